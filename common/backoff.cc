#include "common/backoff.h"

#include <algorithm>
#include <cmath>

namespace llmsrouter {

absl::Duration EqualJitterBackoff(absl::Duration base, absl::Duration max, int retry,
                                  double unit_random, absl::Duration floor) {
  // Duration arithmetic saturates at InfiniteDuration, so any retry count is safe here.
  absl::Duration ceiling = std::min(max, base * std::pow(2.0, std::max(retry, 0)));
  return std::max(floor, ceiling / 2 + (ceiling / 2) * unit_random);
}

}  // namespace llmsrouter
