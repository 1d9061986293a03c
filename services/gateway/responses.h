// Building HTTP responses (JSON and OpenAI errors) for the gateway.
#ifndef LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_
#define LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

HttpResponse JsonResponse(int status, std::string body);
// OpenAI error body, HTTP status from the canonical code.
HttpResponse ErrorResponse(const absl::Status& status);
// For edge errors with their own HTTP status (405, 413, 431).
HttpResponse ErrorResponse(int http_status, std::string_view message, std::string_view code = "");
// "data: {error...}\n\n" — how a failure is told after a stream has started.
std::string SseErrorEvent(const absl::Status& status);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_
