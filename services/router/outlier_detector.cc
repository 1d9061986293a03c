#include "services/router/outlier_detector.h"

#include <algorithm>
#include <cmath>

namespace llmsrouter::router {

absl::Duration OutlierDetector::Eject(absl::Time now, absl::Duration cooldown, std::string cause) {
  ejected_until_ = std::max(ejected_until_, now + cooldown);
  last_ejected_at_ = now;
  cause_ = std::move(cause);
  ++ejections_;
  consecutive_ = 0;
  probation_ = false;
  pending_readmission_ = true;
  return ejected_until_ - now;
}

std::optional<absl::Duration> OutlierDetector::OnFailure(const EjectionPolicy& policy,
                                                         absl::Time now, std::string cause) {
  if (Ejected(now)) return std::nullopt;  // a call started before the ejection
  ++consecutive_;
  if (!probation_ && consecutive_ < policy.consecutive_failures) return std::nullopt;
  absl::Duration cooldown =
      std::min(policy.max_cooldown, policy.cooldown * std::pow(2.0, std::min(level_, 30)));
  ++level_;
  return Eject(now, cooldown, std::move(cause));
}

absl::Duration OutlierDetector::OnRateLimited(absl::Time now, absl::Duration retry_after,
                                              std::string cause) {
  return Eject(now, retry_after, std::move(cause));
}

void OutlierDetector::OnSuccess() {
  consecutive_ = 0;
  level_ = 0;
  probation_ = false;
}

bool OutlierDetector::Readmit(absl::Time now) {
  if (!Ejected(now)) return false;
  ejected_until_ = now;
  return true;
}

bool OutlierDetector::TakeReadmission(absl::Time now) {
  if (!pending_readmission_ || Ejected(now)) return false;
  pending_readmission_ = false;
  probation_ = true;
  return true;
}

}  // namespace llmsrouter::router
