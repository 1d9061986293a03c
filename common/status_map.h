// The one place where absl::Status, gRPC status and HTTP status meet.
#ifndef LLMSROUTER_COMMON_STATUS_MAP_H_
#define LLMSROUTER_COMMON_STATUS_MAP_H_

#include <grpcpp/support/status.h>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace llmsrouter {

// OpenAI error attributes carried alongside a Status (as payloads) so that `param` and
// `code` survive the trip router -> gateway.
absl::Status WithOpenAiDetails(absl::Status status, std::string_view param, std::string_view code);
std::string ErrorParam(const absl::Status& status);
std::string ErrorCode(const absl::Status& status);

// Canonical code -> HTTP status (UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// INVALID_ARGUMENT 400, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, ...).
int HttpStatusFromStatus(const absl::Status& status);

// The OpenAI `error.type` for an HTTP status ("invalid_request_error", ...).
std::string_view OpenAiErrorType(int http_status);

// {"message","type","param","code"}: the object under "error", param and code null when
// empty.
nlohmann::ordered_json OpenAiErrorObject(const absl::Status& status);
// {"error":{"message","type","param","code"}} with all four keys present.
std::string OpenAiErrorBody(std::string_view message, std::string_view type, std::string_view param,
                            std::string_view code);
std::string OpenAiErrorBody(const absl::Status& status);

// Upstream HTTP status -> canonical code (429 RESOURCE_EXHAUSTED, 5xx UNAVAILABLE, ...).
absl::StatusCode CodeFromHttpStatus(int http_status);

// Every error our servers send carries error details (at least "{}"), so that a status
// without them is known to come from the gRPC library itself (a connection failure).
grpc::Status ToGrpcStatus(const absl::Status& status);
// A library-made UNAVAILABLE, UNKNOWN or INTERNAL status (its text names internal addresses,
// e.g. "ipv4:10.0.0.5:50051: Failed to connect") gets a fixed message for clients; the
// original text is kept as the kGrpcTransportDetail payload, for logs.
absl::Status FromGrpcStatus(const grpc::Status& status);
inline constexpr char kGrpcTransportDetail[] = "llmsrouter/grpc-transport-detail";

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_STATUS_MAP_H_
