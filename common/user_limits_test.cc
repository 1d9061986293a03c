#include "common/user_limits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace llmsrouter {
namespace {

constexpr int64_t kFri27Nov2026Noon = 1795780800000;  // 2026-11-27T12:00:00Z

TEST(UserLimitsTest, EncodeDecodeRoundTrip) {
  auth::v1::Limits limits;
  limits.set_rpm(50);
  limits.set_parallel(3);
  limits.set_budget_usd(10.5);
  limits.set_budget_period("month");
  auth::v1::Limits back = DecodeLimits(EncodeLimits(limits));
  EXPECT_EQ(back.rpm(), 50);
  EXPECT_EQ(back.tpm(), 0);
  EXPECT_EQ(back.parallel(), 3);
  EXPECT_DOUBLE_EQ(back.budget_usd(), 10.5);
  EXPECT_EQ(back.budget_period(), "month");
  EXPECT_EQ(EncodeLimits(auth::v1::Limits()), "");
  EXPECT_FALSE(HasLimits(DecodeLimits("")));
  EXPECT_FALSE(HasLimits(DecodeLimits("rpm=x,junk")));
}

TEST(UserLimitsTest, ScopesRoundTripAndCountAsLimits) {
  auth::v1::Limits limits;
  (*limits.mutable_scopes())["openai"].set_tpm(50000);
  EXPECT_TRUE(HasLimits(limits));  // a scope alone makes a limited user
  auth::v1::Limits& group = (*limits.mutable_scopes())["fast-chat"];
  group.set_rpm(7);
  group.set_budget_usd(2);
  group.set_budget_period("day");
  (*limits.mutable_scopes())["empty"];  // nothing set: not stored
  EXPECT_EQ(EncodeLimits(limits),
            "rpm=0,tpm=0,parallel=0,budget=0.000000,period=;"
            "scope=fast-chat,rpm=7,tpm=0,parallel=0,budget=2.000000,period=day;"
            "scope=openai,rpm=0,tpm=50000,parallel=0,budget=0.000000,period=");
  auth::v1::Limits back = DecodeLimits(EncodeLimits(limits));
  EXPECT_FALSE(back.rpm() > 0);
  ASSERT_EQ(back.scopes().size(), 2u);
  EXPECT_EQ(back.scopes().at("openai").tpm(), 50000);
  EXPECT_EQ(back.scopes().at("fast-chat").rpm(), 7);
  EXPECT_EQ(back.scopes().at("fast-chat").budget_period(), "day");
  EXPECT_TRUE(ValidateLimits(back).ok());
}

TEST(UserLimitsTest, ValidateScopes) {
  auth::v1::Limits limits;
  (*limits.mutable_scopes())["open ai"].set_rpm(1);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.mutable_scopes()->clear();
  (*limits.mutable_scopes())["a;b"].set_rpm(1);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.mutable_scopes()->clear();
  (*limits.mutable_scopes())["openai"].set_rpm(-1);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  (*limits.mutable_scopes())["openai"].set_rpm(1);
  (*limits.mutable_scopes())["openai"].set_budget_usd(3);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);  // no period
  (*limits.mutable_scopes())["openai"].set_budget_period("month");
  EXPECT_TRUE(ValidateLimits(limits).ok());
  (*(*limits.mutable_scopes())["openai"].mutable_scopes())["x"].set_rpm(1);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);  // nested
  EXPECT_FALSE(ValidScopeName("[openai]"));
  EXPECT_TRUE(ValidScopeName("my.group_1@eu-west/2"));
}

TEST(UserLimitsTest, Validate) {
  auth::v1::Limits limits;
  EXPECT_TRUE(ValidateLimits(limits).ok());
  limits.set_rpm(-1);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.set_rpm(1);
  limits.set_budget_usd(5);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.set_budget_period("fortnight");
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.set_budget_period("week");
  EXPECT_TRUE(ValidateLimits(limits).ok());
  // Values that would overflow the micro-USD counters or mean nothing are refused.
  limits.set_budget_usd(std::numeric_limits<double>::infinity());
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.set_budget_usd(1e300);
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  limits.set_budget_usd(1e9);
  EXPECT_TRUE(ValidateLimits(limits).ok());
  limits.set_tpm(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ValidateLimits(limits).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UsdToMicros(1e300), 9'000'000'000'000'000'000);
  EXPECT_EQ(UsdToMicros(std::nan("")), 0);
  EXPECT_EQ(UsdToMicros(2.5), 2'500'000);
}

TEST(UserLimitsTest, BudgetWindowsAreCalendarAlignedUtc) {
  BudgetWindow day = BudgetWindowAt("day", kFri27Nov2026Noon);
  EXPECT_EQ(day.key, "d2026-11-27");
  EXPECT_EQ(day.end_ms, kFri27Nov2026Noon + 12 * 3600 * 1000);
  BudgetWindow week = BudgetWindowAt("week", kFri27Nov2026Noon);
  EXPECT_EQ(week.key, "w2026-11-23");  // the Monday before
  EXPECT_EQ(week.end_ms, kFri27Nov2026Noon + (2 * 24 + 12) * 3600 * 1000LL);
  BudgetWindow month = BudgetWindowAt("month", kFri27Nov2026Noon);
  EXPECT_EQ(month.key, "m2026-11");
  EXPECT_EQ(month.end_ms, kFri27Nov2026Noon + (3 * 24 + 12) * 3600 * 1000LL);
  EXPECT_EQ(BudgetWindowAt("total", kFri27Nov2026Noon).end_ms, 0);
}

}  // namespace
}  // namespace llmsrouter
