// Anthropic's error shape ({"type":"error","error":{"type","message"}}) and its conversions
// to and from OpenAI's ({"error":{"message","type","param","code"}}).
#ifndef LLMSROUTER_COMMON_ANTHROPIC_ERROR_H_
#define LLMSROUTER_COMMON_ANTHROPIC_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace llmsrouter {

// Anthropic's `error.type` for an HTTP status: invalid_request_error (400 and other 4xx),
// authentication_error (401), permission_error (403), not_found_error (404),
// request_too_large (413), rate_limit_error (429), timeout_error (504),
// overloaded_error (529, 503), api_error (other 5xx).
std::string_view AnthropicErrorType(int http_status);

std::string AnthropicErrorBody(std::string_view type, std::string_view message);
// The body for a Status (HTTP status from its canonical code).
std::string AnthropicErrorBody(const absl::Status& status);

// An error body in either shape (or any text) as Anthropic's shape; an Anthropic body is
// returned unchanged, an OpenAI body keeps its message, anything else is quoted.
std::string ToAnthropicErrorBody(std::string_view body, int http_status);
// The reverse: an OpenAI body unchanged, an Anthropic body keeps its message and type.
std::string ToOpenAiErrorBody(std::string_view body, int http_status);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_ANTHROPIC_ERROR_H_
