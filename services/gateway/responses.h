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

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_RESPONSES_H_
