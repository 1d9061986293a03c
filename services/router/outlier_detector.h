// Passive outlier ejection of one deployment (as Envoy's): consecutive failures eject it for
// a cooldown that doubles on each ejection in a row, a 429 with Retry-After ejects it for
// exactly that long. Not thread-safe: the owner (GroupBalancer) locks. Time comes in as
// arguments, so a fake clock drives it in tests.
#ifndef LLMSROUTER_SERVICES_ROUTER_OUTLIER_DETECTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_OUTLIER_DETECTOR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "services/router/model_group.h"

namespace llmsrouter::router {

class OutlierDetector {
 public:
  // A connect error, timeout or 5xx. Returns the cooldown when this failure ejected the
  // deployment: after `consecutive_failures` in a row, or at once for the first failure
  // after a readmission (the deployment is on probation until a success).
  std::optional<absl::Duration> OnFailure(const EjectionPolicy& policy, absl::Time now,
                                          std::string cause);
  // A 429 with Retry-After: ejected for exactly `retry_after` (a later end is kept).
  absl::Duration OnRateLimited(absl::Time now, absl::Duration retry_after, std::string cause);
  // Any answer that is not a failure: resets the streak and the cooldown doubling.
  void OnSuccess();
  // An active health check passed: the cooldown ends now. False when it was not ejected.
  bool Readmit(absl::Time now);

  bool Ejected(absl::Time now) const { return now < ejected_until_; }
  // True once per ejection, when its cooldown is over (to log the readmission).
  bool TakeReadmission(absl::Time now);

  absl::Time ejected_until() const { return ejected_until_; }
  absl::Time last_ejected_at() const { return last_ejected_at_; }
  const std::string& cause() const { return cause_; }
  uint64_t ejections() const { return ejections_; }
  int consecutive_failures() const { return consecutive_; }

 private:
  absl::Duration Eject(absl::Time now, absl::Duration cooldown, std::string cause);

  int consecutive_ = 0;
  int level_ = 0;  // ejections in a row without a success between them
  bool probation_ = false;
  bool pending_readmission_ = false;
  uint64_t ejections_ = 0;
  absl::Time ejected_until_ = absl::InfinitePast();
  absl::Time last_ejected_at_ = absl::InfinitePast();
  std::string cause_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_OUTLIER_DETECTOR_H_
