// A settable clock for tests.
#ifndef LLMSROUTER_COMMON_TESTING_FAKE_CLOCK_H_
#define LLMSROUTER_COMMON_TESTING_FAKE_CLOCK_H_

#include "common/clock.h"

namespace llmsrouter {

class FakeClock : public Clock {
 public:
  absl::Time Now() const override { return now; }
  absl::Time now = absl::FromUnixSeconds(1000);
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TESTING_FAKE_CLOCK_H_
