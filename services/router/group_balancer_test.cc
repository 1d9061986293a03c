#include "services/router/group_balancer.h"

#include <gtest/gtest.h>

#include <map>

#include "common/testing/fake_clock.h"

namespace llmsrouter::router {
namespace {

GroupConfig Group(PickStrategy strategy = PickStrategy::kWeighted) {
  GroupConfig group;
  group.name = "gpt";
  group.strategy = strategy;
  group.deployments = {{"[a]m", "a", 1}, {"[b]m", "b", 2}, {"[c]m", "c", 1}};
  group.ejection = {2, absl::Seconds(5), absl::Seconds(60)};
  return group;
}

class GroupBalancerTest : public ::testing::Test {
 protected:
  // Picks and finishes one call with `result`.
  std::string Call(const GroupConfig& group, AttemptResult result = {AttemptResult::kSuccess},
                   std::string_view key = "", const std::vector<std::string>* allowed = nullptr) {
    auto model = balancer_.Pick(group, allowed, key, {});
    EXPECT_TRUE(model);
    if (!model) return "";
    balancer_.Finish(group.name, *model, group.ejection, result);
    return *model;
  }
  AttemptResult Failure(std::string cause = "HTTP 503") {
    return {AttemptResult::kFailure, std::move(cause)};
  }

  FakeClock clock_;
  double random_ = 0.5;
  GroupBalancer balancer_{clock_, [this] { return random_; }};
};

TEST_F(GroupBalancerTest, WeightedSharesFollowTheWeights) {
  GroupConfig group = Group();
  std::map<std::string, int> counts;
  for (int i = 0; i < 4000; ++i) ++counts[Call(group)];
  EXPECT_EQ(counts["[a]m"], 1000);
  EXPECT_EQ(counts["[b]m"], 2000);
  EXPECT_EQ(counts["[c]m"], 1000);
}

TEST_F(GroupBalancerTest, AnEjectedDeploymentGetsNoCallsUntilItsCooldownEnds) {
  GroupConfig group = Group();
  balancer_.Pick(group, nullptr, "", {});  // B
  balancer_.Finish("gpt", "[b]m", group.ejection, Failure());
  balancer_.Pick(group, nullptr, "", {});
  balancer_.Finish("gpt", "[b]m", group.ejection, Failure());  // second in a row: ejected
  for (int i = 0; i < 100; ++i) EXPECT_NE(Call(group), "[b]m");
  auto health = balancer_.Snapshot({{"gpt", group}});
  ASSERT_EQ(health.size(), 3u);
  EXPECT_TRUE(health[1].ejected);
  EXPECT_EQ(health[1].cooldown_left, absl::Seconds(5));
  EXPECT_EQ(health[1].cause, "HTTP 503");
  EXPECT_EQ(health[1].ejections, 1u);
  clock_.now += absl::Seconds(5);
  int b = 0;
  for (int i = 0; i < 100; ++i) b += Call(group) == "[b]m";
  EXPECT_EQ(b, 50);
  EXPECT_FALSE(balancer_.Snapshot({{"gpt", group}})[1].ejected);
}

TEST_F(GroupBalancerTest, RetryAfterEjectsForExactlyThatLong) {
  GroupConfig group = Group();
  auto model = balancer_.Pick(group, nullptr, "", {});
  balancer_.Finish("gpt", *model, group.ejection,
                   {AttemptResult::kRateLimited, "HTTP 429 Retry-After 3s", absl::Seconds(3)});
  clock_.now += absl::Milliseconds(2999);
  for (int i = 0; i < 50; ++i) EXPECT_NE(Call(group), *model);
  clock_.now += absl::Milliseconds(1);
  bool seen = false;
  for (int i = 0; i < 10; ++i) seen = seen || Call(group) == *model;
  EXPECT_TRUE(seen);
}

TEST_F(GroupBalancerTest, WhenAllAreEjectedTheLeastRecentlyEjectedIsTried) {
  GroupConfig group = Group();
  for (const char* model : {"[c]m", "[a]m", "[b]m"}) {
    balancer_.Finish("gpt", model, group.ejection,
                     {AttemptResult::kRateLimited, "429", absl::Seconds(60)});
    clock_.now += absl::Seconds(1);
  }
  EXPECT_EQ(*balancer_.Pick(group, nullptr, "", {}), "[c]m");
  EXPECT_EQ(*balancer_.Pick(group, nullptr, "", {"[c]m"}), "[a]m");
  EXPECT_EQ(*balancer_.Pick(group, nullptr, "", {"[c]m", "[a]m"}), "[b]m");
  EXPECT_FALSE(balancer_.Pick(group, nullptr, "", {"[c]m", "[a]m", "[b]m"}));
}

TEST_F(GroupBalancerTest, OnlyPermittedDeploymentsArePicked) {
  GroupConfig group = Group();
  std::vector<std::string> allowed = {"c"};
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(Call(group, {AttemptResult::kSuccess}, "", &allowed), "[c]m");
  std::vector<std::string> none = {"other"};
  EXPECT_FALSE(balancer_.Pick(group, &none, "", {}));
}

TEST_F(GroupBalancerTest, LeastBusyAvoidsTheDeploymentWithCallsInFlight) {
  GroupConfig group = Group(PickStrategy::kLeastBusy);
  auto slow = balancer_.Pick(group, nullptr, "", {});  // stays in flight
  for (int i = 0; i < 20; ++i) {
    auto a = balancer_.Pick(group, nullptr, "", {});
    auto b = balancer_.Pick(group, nullptr, "", {});
    EXPECT_NE(*a, *slow);
    EXPECT_NE(*b, *slow);
    balancer_.Finish("gpt", *a, group.ejection, {AttemptResult::kSuccess});
    balancer_.Finish("gpt", *b, group.ejection, {AttemptResult::kSuccess});
  }
  EXPECT_EQ(balancer_.Snapshot({{"gpt", group}})[1].in_flight, *slow == "[b]m" ? 1 : 0);
}

TEST_F(GroupBalancerTest, LatencyLearnsTheFasterDeployment) {
  GroupConfig group = Group(PickStrategy::kLatency);
  auto ttft = [](const std::string& model) {
    return model == "[c]m" ? absl::Milliseconds(10) : absl::Milliseconds(300);
  };
  std::map<std::string, int> counts;
  for (int i = 0; i < 200; ++i) {
    random_ = (i % 10) / 10.0;  // one pick in ten explores
    auto model = balancer_.Pick(group, nullptr, "", {});
    ++counts[*model];
    balancer_.Finish("gpt", *model, group.ejection,
                     {AttemptResult::kSuccess, "", absl::ZeroDuration(), ttft(*model)});
  }
  EXPECT_GT(counts["[c]m"], 170);
  EXPECT_GE(counts["[a]m"], 3);  // still sampled
  EXPECT_GE(counts["[b]m"], 3);
  EXPECT_EQ(balancer_.Snapshot({{"gpt", group}})[2].ttft, absl::Milliseconds(10));
}

TEST_F(GroupBalancerTest, AffinitySessionsStayMoveWhenEjectedAndComeBack) {
  GroupConfig group = Group();
  std::map<std::string, std::string> home;
  for (int s = 0; s < 100; ++s) {
    std::string key = "s" + std::to_string(s);
    home[key] = Call(group, {AttemptResult::kSuccess}, key);
    for (int again = 0; again < 3; ++again) {
      EXPECT_EQ(Call(group, {AttemptResult::kSuccess}, key), home[key]);
    }
  }
  balancer_.Finish("gpt", "[b]m", group.ejection,
                   {AttemptResult::kRateLimited, "429", absl::Seconds(10)});
  int moved = 0;
  for (const auto& [key, model] : home) {
    std::string now = Call(group, {AttemptResult::kSuccess}, key);
    EXPECT_NE(now, "[b]m");
    if (model != "[b]m") EXPECT_EQ(now, model);
    moved += model == "[b]m";
  }
  EXPECT_GT(moved, 20);
  clock_.now += absl::Seconds(10);
  for (const auto& [key, model] : home)
    EXPECT_EQ(Call(group, {AttemptResult::kSuccess}, key), model);
}

TEST_F(GroupBalancerTest, StateSurvivesAReloadForDeploymentsThatStay) {
  GroupConfig group = Group();
  balancer_.Finish("gpt", "[a]m", group.ejection,
                   {AttemptResult::kRateLimited, "429", absl::Seconds(30)});
  GroupConfig reloaded = Group();  // a new config object: [c]m removed, [d]m added
  reloaded.deployments = {{"[a]m", "a", 1}, {"[b]m", "b", 1}, {"[d]m", "d", 1}};
  for (int i = 0; i < 30; ++i) EXPECT_NE(Call(reloaded), "[a]m");
  auto health = balancer_.Snapshot({{"gpt", reloaded}});
  ASSERT_EQ(health.size(), 3u);
  EXPECT_TRUE(health[0].ejected);
  EXPECT_EQ(health[2].model, "[d]m");
  EXPECT_EQ(health[2].calls, 15u);
}

TEST_F(GroupBalancerTest, ASuccessFromAnEjectedDeploymentReadmitsIt) {
  GroupConfig group = Group();
  balancer_.Finish("gpt", "[a]m", group.ejection,
                   {AttemptResult::kRateLimited, "429", absl::Seconds(30)});
  balancer_.Finish("gpt", "[a]m", group.ejection, {AttemptResult::kSuccess});
  EXPECT_FALSE(balancer_.Snapshot({{"gpt", group}})[0].ejected);
}

TEST_F(GroupBalancerTest, ReadmitEndsAnEjectionEarly) {
  GroupConfig group = Group();
  EXPECT_FALSE(balancer_.Readmit("gpt", "[a]m"));
  balancer_.Finish("gpt", "[a]m", group.ejection,
                   {AttemptResult::kRateLimited, "429", absl::Seconds(30)});
  EXPECT_TRUE(balancer_.Readmit("gpt", "[a]m"));
  EXPECT_FALSE(balancer_.Snapshot({{"gpt", group}})[0].ejected);
}

}  // namespace
}  // namespace llmsrouter::router
