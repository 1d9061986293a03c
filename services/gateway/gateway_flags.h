// Flags shared by llmsrouter-gateway and llmsrouter (all-in-one).
#ifndef LLMSROUTER_SERVICES_GATEWAY_GATEWAY_FLAGS_H_
#define LLMSROUTER_SERVICES_GATEWAY_GATEWAY_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/options.h"
#include "services/gateway/gateway_app.h"

namespace llmsrouter::gateway {

// --listen, --threads, --max-body-bytes, --max-upload-bytes, --upload-limits,
// --keep-alive-timeout, --header-timeout, --body-idle-timeout,
// --write-timeout, --max-concurrent-calls, --overhead-header, --metrics-listen,
// --trusted-proxies, --drain-timeout, and the environment-only ENABLE_ACCOUNT_MANAGEMENT and
// ENABLE_BYPASS.
std::vector<FlagSpec> GatewayFlagSpecs();
// Fills listen/threads/limits from parsed options; INVALID_ARGUMENT for a bad number.
absl::StatusOr<GatewayAppOptions> GatewayOptionsFrom(const Options& options);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_GATEWAY_FLAGS_H_
