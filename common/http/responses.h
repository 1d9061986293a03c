// Building HTTP responses: JSON bodies and OpenAI-style errors.
#ifndef LLMSROUTER_COMMON_HTTP_RESPONSES_H_
#define LLMSROUTER_COMMON_HTTP_RESPONSES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/http/http_types.h"

namespace llmsrouter::web {

HttpResponse JsonResponse(int status, std::string body);
// OpenAI error body, HTTP status from the canonical code.
HttpResponse ErrorResponse(const absl::Status& status);
// For edge errors with their own HTTP status (405, 413, 431).
HttpResponse ErrorResponse(int http_status, std::string_view message, std::string_view code = "");

// Anthropic Messages ingress: /v1/messages and /v1/messages/... (query ignored) answer errors
// in Anthropic's shape (docs/ANTHROPIC.md).
bool IsMessagesPath(std::string_view target);
// ErrorResponse(http_status, message, code) for a request to `target`, in Anthropic's shape
// on Messages paths (edge errors: 404, 405, 413, 431).
HttpResponse ErrorResponseFor(std::string_view target, int http_status, std::string_view message,
                              std::string_view code = "");

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_RESPONSES_H_
