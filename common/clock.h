// Time behind an interface so that logic can be tested with a simulated clock.
#ifndef LLMSROUTER_COMMON_CLOCK_H_
#define LLMSROUTER_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace llmsrouter {

class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual absl::Time Now() const = 0;
};

class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static const Clock& Get() {
    static const SystemClock clock;
    return clock;
  }
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_CLOCK_H_
