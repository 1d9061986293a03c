// Building HTTP responses (JSON and OpenAI errors) for the gateway; the whole-response
// builders are the HTTP server's (common/http/responses.h).
#ifndef LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_
#define LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_

#include <string>

#include "absl/status/status.h"
#include "common/http/responses.h"
#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

using web::ErrorResponse;
using web::JsonResponse;

// "data: {error...}\n\n" — how a failure is told after a stream has started.
std::string SseErrorEvent(const absl::Status& status);

// How a failure is told after a Responses API stream (/v1/responses) has started: OpenAI's
// `event: error` with {"type":"error","code","message","param","sequence_number"} (the shape
// the Vercel AI SDK validates; its sequence_number is 0, the gateway does not number the
// provider's events), plus the OpenAI error object under "error", which the OpenAI SDKs raise
// as an APIError. `code` is the error's code, or its type when it has none.
std::string ResponsesSseErrorEvent(const absl::Status& status);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_
