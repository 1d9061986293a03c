// The one backoff formula: exponential with "equal jitter", used wherever something is retried
// (the router's upstream attempts, the tracer's exports).
#ifndef LLMSROUTER_COMMON_BACKOFF_H_
#define LLMSROUTER_COMMON_BACKOFF_H_

#include "absl/time/time.h"

namespace llmsrouter {

// Delay before retry number `retry` (0-based): the ceiling min(max, base * 2^retry), half of it
// fixed and half scaled by `unit_random` in [0, 1), and never less than `floor` (an upstream's
// Retry-After). Pure: the caller supplies the randomness.
absl::Duration EqualJitterBackoff(absl::Duration base, absl::Duration max, int retry,
                                  double unit_random, absl::Duration floor = absl::ZeroDuration());

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_BACKOFF_H_
