#include "common/backoff.h"

#include <gtest/gtest.h>

namespace llmsrouter {
namespace {

TEST(EqualJitterBackoffTest, HalfFixedHalfRandomUnderAnExponentialCeiling) {
  const absl::Duration base = absl::Milliseconds(100), max = absl::Seconds(1);
  EXPECT_EQ(EqualJitterBackoff(base, max, 0, 0.0), absl::Milliseconds(50));
  EXPECT_EQ(EqualJitterBackoff(base, max, 0, 0.5), absl::Milliseconds(75));
  EXPECT_EQ(EqualJitterBackoff(base, max, 2, 0.0), absl::Milliseconds(200));
  EXPECT_EQ(EqualJitterBackoff(base, max, 2, 1.0), absl::Milliseconds(400));
  // Capped by max, however many retries.
  EXPECT_EQ(EqualJitterBackoff(base, max, 10, 0.0), absl::Milliseconds(500));
  EXPECT_EQ(EqualJitterBackoff(base, max, 1000, 1.0), absl::Seconds(1));
}

TEST(EqualJitterBackoffTest, NeverBelowTheFloor) {
  const absl::Duration base = absl::Milliseconds(100), max = absl::Seconds(1);
  EXPECT_EQ(EqualJitterBackoff(base, max, 0, 0.0, absl::Seconds(3)), absl::Seconds(3));
  EXPECT_EQ(EqualJitterBackoff(base, max, 3, 0.0, absl::Milliseconds(10)), absl::Milliseconds(400));
}

}  // namespace
}  // namespace llmsrouter
