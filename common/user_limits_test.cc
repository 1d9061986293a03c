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
