#include "common/buffer_budget.h"

#include <gtest/gtest.h>

namespace llmsrouter {
namespace {

TEST(BufferBudgetTest, RefusesGrowthPastTheLimitAcrossHolders) {
  BufferBudget budget;
  BufferReservation a(&budget);
  BufferReservation b(&budget);
  EXPECT_TRUE(a.Resize(600, 1000));
  EXPECT_FALSE(b.Resize(500, 1000));  // 1100 > 1000
  EXPECT_EQ(b.held(), 0u);
  EXPECT_TRUE(b.Resize(400, 1000));
  EXPECT_EQ(budget.used(), 1000u);
  EXPECT_TRUE(a.Resize(100, 1000));  // shrinking always works
  EXPECT_EQ(budget.used(), 500u);
  EXPECT_FALSE(budget.TryAcquire(size_t{1} << 40, 1000));
}

TEST(BufferBudgetTest, ReservationGivesBytesBackWhenDestroyed) {
  BufferBudget budget;
  {
    BufferReservation a(&budget);
    ASSERT_TRUE(a.Resize(700, 1000));
  }
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
}  // namespace llmsrouter
