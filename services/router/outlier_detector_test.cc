#include "services/router/outlier_detector.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

class OutlierDetectorTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1000);
  EjectionPolicy policy_{3, absl::Seconds(5), absl::Seconds(30)};
  OutlierDetector detector_;
};

TEST_F(OutlierDetectorTest, ConsecutiveFailuresEjectForTheCooldown) {
  EXPECT_FALSE(detector_.OnFailure(policy_, now_, "HTTP 503"));
  EXPECT_FALSE(detector_.OnFailure(policy_, now_, "HTTP 503"));
  auto cooldown = detector_.OnFailure(policy_, now_, "HTTP 502");
  ASSERT_TRUE(cooldown);
  EXPECT_EQ(*cooldown, absl::Seconds(5));
  EXPECT_EQ(detector_.cause(), "HTTP 502");
  EXPECT_EQ(detector_.ejections(), 1u);
  EXPECT_TRUE(detector_.Ejected(now_ + absl::Milliseconds(4999)));
  EXPECT_FALSE(detector_.TakeReadmission(now_ + absl::Milliseconds(4999)));
  EXPECT_FALSE(detector_.Ejected(now_ + absl::Seconds(5)));
  EXPECT_TRUE(detector_.TakeReadmission(now_ + absl::Seconds(5)));
  EXPECT_FALSE(detector_.TakeReadmission(now_ + absl::Seconds(5)));  // once
}

TEST_F(OutlierDetectorTest, ASuccessBreaksTheStreak) {
  detector_.OnFailure(policy_, now_, "x");
  detector_.OnFailure(policy_, now_, "x");
  detector_.OnSuccess();
  EXPECT_FALSE(detector_.OnFailure(policy_, now_, "x"));
  EXPECT_FALSE(detector_.OnFailure(policy_, now_, "x"));
  EXPECT_TRUE(detector_.OnFailure(policy_, now_, "x"));
}

TEST_F(OutlierDetectorTest, CooldownDoublesOnProbationFailuresUpToTheMaximum) {
  for (int i = 0; i < 3; ++i) detector_.OnFailure(policy_, now_, "refused");
  std::vector<absl::Duration> cooldowns;
  for (int round = 0; round < 4; ++round) {
    now_ = detector_.ejected_until();
    ASSERT_TRUE(detector_.TakeReadmission(now_));
    auto cooldown = detector_.OnFailure(policy_, now_, "refused");  // one failure on probation
    ASSERT_TRUE(cooldown) << round;
    cooldowns.push_back(*cooldown);
  }
  EXPECT_EQ(cooldowns, (std::vector<absl::Duration>{absl::Seconds(10), absl::Seconds(20),
                                                    absl::Seconds(30), absl::Seconds(30)}));
}

TEST_F(OutlierDetectorTest, SuccessAfterReadmissionResetsTheDoubling) {
  for (int i = 0; i < 3; ++i) detector_.OnFailure(policy_, now_, "x");
  now_ = detector_.ejected_until();
  detector_.TakeReadmission(now_);
  detector_.OnSuccess();
  EXPECT_FALSE(detector_.OnFailure(policy_, now_, "x"));  // no probation any more
  detector_.OnFailure(policy_, now_, "x");
  EXPECT_EQ(detector_.OnFailure(policy_, now_, "x"), absl::Seconds(5));
}

TEST_F(OutlierDetectorTest, RateLimitEjectsForExactlyRetryAfter) {
  EXPECT_EQ(detector_.OnRateLimited(now_, absl::Seconds(3), "HTTP 429 Retry-After 3s"),
            absl::Seconds(3));
  EXPECT_TRUE(detector_.Ejected(now_ + absl::Milliseconds(2999)));
  EXPECT_FALSE(detector_.Ejected(now_ + absl::Seconds(3)));
  EXPECT_EQ(detector_.cause(), "HTTP 429 Retry-After 3s");
}

TEST_F(OutlierDetectorTest, FailuresWhileEjectedDoNotExtendIt) {
  for (int i = 0; i < 3; ++i) detector_.OnFailure(policy_, now_, "x");
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(detector_.OnFailure(policy_, now_, "late"));
  EXPECT_EQ(detector_.ejected_until(), now_ + absl::Seconds(5));
}

TEST_F(OutlierDetectorTest, ReadmitEndsTheCooldownEarly) {
  EXPECT_FALSE(detector_.Readmit(now_));
  detector_.OnRateLimited(now_, absl::Seconds(60), "429");
  EXPECT_TRUE(detector_.Readmit(now_ + absl::Seconds(1)));
  EXPECT_FALSE(detector_.Ejected(now_ + absl::Seconds(1)));
}

}  // namespace
}  // namespace llmsrouter::router
