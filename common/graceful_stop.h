// Stopping without refused connections: after SIGTERM a server keeps serving for a drain delay
// while it reports itself not ready (load balancers and Service endpoints catch up), then
// stops accepting and lets calls in flight finish.
#ifndef LLMSROUTER_COMMON_GRACEFUL_STOP_H_
#define LLMSROUTER_COMMON_GRACEFUL_STOP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/options.h"
#include "common/signals.h"

namespace llmsrouter {

// --drain-delay (LLMSROUTER_DRAIN_DELAY), in seconds; `default_seconds` when unset.
FlagSpec DrainDelayFlagSpec(std::string default_seconds = "5");
// INVALID_ARGUMENT unless the flag is a whole number of seconds >= 0.
absl::StatusOr<absl::Duration> DrainDelayFrom(const Options& options);

// Blocks the calling thread (main) for `delay`, or until SIGTERM or SIGINT arrives again (an
// operator in a hurry); SIGHUP is ignored meanwhile. Logs under `service`.
void WaitOutDrainDelay(SignalWaiter& signals, absl::Duration delay, const std::string& service);

// How a gRPC service (router, auth) stops and re-balances.
struct GrpcListenerSettings {
  absl::Duration drain_delay = absl::Seconds(5);
  absl::Duration drain_timeout = absl::Seconds(10);
  absl::Duration max_connection_age = absl::Minutes(5);
};
// --drain-delay, --drain-timeout (default `drain_timeout_seconds`), --max-connection-age.
std::vector<FlagSpec> GrpcListenerFlagSpecs(std::string drain_timeout_seconds);
// INVALID_ARGUMENT naming the flag that is not a whole number of seconds (>= 0; >= 1 for the
// connection age).
absl::StatusOr<GrpcListenerSettings> GrpcListenerSettingsFrom(const Options& options);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_GRACEFUL_STOP_H_
