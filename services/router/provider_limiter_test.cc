#include "services/router/provider_limiter.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

TEST(ProviderLimiterTest, QueuesBeyondTheCapAndPassesTheSlotOn) {
  ProviderLimiter limiter;
  int started = 0;
  for (int i = 0; i < 3; ++i) limiter.Acquire("a", 2, [&] { ++started; });
  EXPECT_EQ(started, 2);
  EXPECT_EQ(limiter.in_flight("a"), 2);
  limiter.Release("a");
  EXPECT_EQ(started, 3);
  EXPECT_EQ(limiter.in_flight("a"), 2);
  limiter.Release("a");
  limiter.Release("a");
  EXPECT_EQ(limiter.in_flight("a"), 0);
}

TEST(ProviderLimiterTest, IdleAliasesAreForgotten) {
  ProviderLimiter limiter;
  // Every distinct ad-hoc URL is an alias of its own.
  for (int i = 0; i < 1000; ++i) {
    std::string alias = "http://127.0.0.2:" + std::to_string(i) + "/v1";
    limiter.Acquire(alias, 0, [] {});
    limiter.Release(alias);
  }
  EXPECT_EQ(limiter.tracked(), 0u);
  limiter.Acquire("kept", 1, [] {});
  EXPECT_EQ(limiter.tracked(), 1u);
  EXPECT_EQ(limiter.in_flight("other"), 0);
  EXPECT_EQ(limiter.tracked(), 1u);  // asking does not create an entry
  limiter.Release("kept");
  EXPECT_EQ(limiter.tracked(), 0u);
}

}  // namespace
}  // namespace llmsrouter::router
