#include "common/limits/limit_scripts.h"

#include <gtest/gtest.h>

namespace llmsrouter::limits {
namespace {

TEST(ResetDurationTest, OpenAiFormat) {
  EXPECT_EQ(ResetDuration(250), "250ms");
  EXPECT_EQ(ResetDuration(12000), "12s");
  EXPECT_EQ(ResetDuration(90000), "1m30s");
  EXPECT_EQ(ResetDuration(-5), "0ms");
}

}  // namespace
}  // namespace llmsrouter::limits
