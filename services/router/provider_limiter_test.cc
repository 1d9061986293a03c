#include "services/router/provider_limiter.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

TEST(ProviderLimiterTest, QueuesBeyondTheCapAndPassesTheSlotOn) {
  ProviderLimiter limiter;
  int started = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Acquire("a", 2, [&] { ++started; }).ok());
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
    ASSERT_TRUE(limiter.Acquire(alias, 0, [] {}).ok());
    limiter.Release(alias);
  }
  EXPECT_EQ(limiter.tracked(), 0u);
  ASSERT_TRUE(limiter.Acquire("kept", 1, [] {}).ok());
  EXPECT_EQ(limiter.tracked(), 1u);
  EXPECT_EQ(limiter.in_flight("other"), 0);
  EXPECT_EQ(limiter.tracked(), 1u);  // asking does not create an entry
  limiter.Release("kept");
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(ProviderLimiterTest, RefusesWaitersBeyondTheBoundPerProvider) {
  ProviderLimiter limiter(/*max_waiting=*/2);
  int started = 0;
  ASSERT_EQ(limiter.Acquire("a", 1, [&] { ++started; }).value_or(99), 0u);  // runs now
  auto first = limiter.Acquire("a", 1, [&] { ++started; });
  auto second = limiter.Acquire("a", 1, [&] { ++started; });
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, 0u);
  bool refused_ran = false;
  auto refused = limiter.Acquire("a", 1, [&] { refused_ran = true; });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("provider 'a'"), absl::string_view::npos);
  EXPECT_EQ(limiter.waiting("a"), 2);
  EXPECT_EQ(limiter.in_flight("a"), 1);
  // Another provider has a queue of its own.
  ASSERT_TRUE(limiter.Acquire("b", 1, [] {}).ok());
  EXPECT_NE(limiter.Acquire("b", 1, [] {}).value_or(0), 0u);
  // A slot handed on makes room in the queue again.
  limiter.Release("a");
  EXPECT_EQ(started, 2);
  EXPECT_TRUE(limiter.Acquire("a", 1, [&] { ++started; }).ok());
  EXPECT_EQ(limiter.waiting("a"), 2);
  EXPECT_TRUE(limiter.Abandon("a", *second));
  EXPECT_EQ(limiter.waiting("a"), 1);
  limiter.Release("a");
  limiter.Release("a");
  EXPECT_EQ(started, 3);
  EXPECT_FALSE(refused_ran);
  EXPECT_EQ(limiter.in_flight("a"), 0);
}

}  // namespace
}  // namespace llmsrouter::router
