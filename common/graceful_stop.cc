#include "common/graceful_stop.h"

#include "common/log.h"
#include "common/strings.h"

namespace llmsrouter {

FlagSpec DrainDelayFlagSpec(std::string default_seconds) {
  return {"drain-delay", "LLMSROUTER_DRAIN_DELAY", std::move(default_seconds),
          "Seconds the server keeps accepting and serving after SIGTERM while it reports not "
          "ready, before it stops accepting and drains (a second SIGTERM/SIGINT cuts it short)."};
}

absl::StatusOr<absl::Duration> DrainDelayFrom(const Options& options) {
  int seconds = 0;
  if (!ParseInt(options.Get("drain-delay"), &seconds) || seconds < 0) {
    return absl::InvalidArgumentError("--drain-delay must be a number of seconds >= 0");
  }
  return absl::Seconds(seconds);
}

void WaitOutDrainDelay(SignalWaiter& signals, absl::Duration delay, const std::string& service) {
  if (delay <= absl::ZeroDuration()) return;
  Log(LogLevel::kInfo, service, "drain delay: not ready, still serving",
      {{"seconds", std::to_string(absl::ToInt64Seconds(delay))}});
  absl::Time until = absl::Now() + delay;
  for (absl::Duration left = delay; left > absl::ZeroDuration(); left = until - absl::Now()) {
    int signal_number = signals.WaitFor(left);
    if (signal_number == SIGTERM || signal_number == SIGINT) {
      Log(LogLevel::kInfo, service, "drain delay cut short by a second signal");
      return;
    }
  }
}

std::vector<FlagSpec> GrpcListenerFlagSpecs(std::string drain_timeout_seconds) {
  return {
      DrainDelayFlagSpec(),
      {"drain-timeout", "LLMSROUTER_DRAIN_TIMEOUT", std::move(drain_timeout_seconds),
       "Seconds calls in flight may take to finish on SIGTERM, after the drain delay."},
      {"max-connection-age", "LLMSROUTER_MAX_CONNECTION_AGE", "300",
       "Seconds after which a client connection is asked to reconnect (GOAWAY, its calls "
       "finish), so clients re-resolve and spread over replicas added since."},
  };
}

absl::StatusOr<GrpcListenerSettings> GrpcListenerSettingsFrom(const Options& options) {
  GrpcListenerSettings settings;
  auto delay = DrainDelayFrom(options);
  if (!delay.ok()) return delay.status();
  settings.drain_delay = *delay;
  int timeout = 0;
  if (!ParseInt(options.Get("drain-timeout"), &timeout) || timeout < 0) {
    return absl::InvalidArgumentError("--drain-timeout must be a number of seconds >= 0");
  }
  settings.drain_timeout = absl::Seconds(timeout);
  int age = 0;
  if (!ParseInt(options.Get("max-connection-age"), &age) || age < 1 || age > 86400) {
    return absl::InvalidArgumentError("--max-connection-age must be a number of seconds 1-86400");
  }
  settings.max_connection_age = absl::Seconds(age);
  return settings;
}

}  // namespace llmsrouter
