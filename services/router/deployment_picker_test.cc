#include "services/router/deployment_picker.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace llmsrouter::router {
namespace {

TEST(DeploymentPickerTest, SmoothWeightedRoundRobinIsTheExactNginxSequence) {
  std::vector<int> weights = {1, 2, 1};
  std::vector<int64_t> current(3);
  std::string sequence;
  for (int i = 0; i < 8; ++i) {
    sequence += static_cast<char>('A' + SmoothWeightedPick({0, 1, 2}, weights, &current));
  }
  EXPECT_EQ(sequence, "BACBBACB");
}

TEST(DeploymentPickerTest, WeightsOneTwoOneShareFourThousandPicks) {
  std::vector<int> weights = {1, 2, 1};
  std::vector<int64_t> current(3);
  std::vector<int> counts(3);
  for (int i = 0; i < 4000; ++i) ++counts[SmoothWeightedPick({0, 1, 2}, weights, &current)];
  for (int i = 0; i < 3; ++i) {
    double expected = weights[i] / 4.0 * 100;
    EXPECT_NEAR(counts[i] / 40.0, expected, 3.0) << i;
  }
  EXPECT_EQ(counts, (std::vector<int>{1000, 2000, 1000}));  // smooth WRR is exact
}

TEST(DeploymentPickerTest, SmoothWeightedSkipsIneligibleDeployments) {
  std::vector<int> weights = {1, 2, 1};
  std::vector<int64_t> current(3);
  for (int i = 0; i < 10; ++i) EXPECT_NE(SmoothWeightedPick({0, 2}, weights, &current), 1u);
  EXPECT_EQ(current[1], 0);
}

TEST(DeploymentPickerTest, LeastBusyPicksFewestInFlightAndSharesTies) {
  std::vector<int> weights = {1, 1, 1};
  std::vector<int64_t> current(3);
  EXPECT_EQ(LeastBusyPick({0, 1, 2}, {3, 1, 2}, weights, &current), 1u);
  std::vector<int> counts(3);
  for (int i = 0; i < 30; ++i) ++counts[LeastBusyPick({0, 1, 2}, {0, 0, 5}, weights, &current)];
  EXPECT_EQ(counts, (std::vector<int>{15, 15, 0}));
}

TEST(DeploymentPickerTest, LeastBusyTiesFollowTheWeights) {
  std::vector<int> weights = {3, 1};
  std::vector<int64_t> current(2);
  std::vector<int> counts(2);
  for (int i = 0; i < 40; ++i) ++counts[LeastBusyPick({0, 1}, {2, 2}, weights, &current)];
  EXPECT_EQ(counts, (std::vector<int>{30, 10}));
}

TEST(DeploymentPickerTest, LatencyTriesUnsampledDeploymentsFirst) {
  std::vector<int> weights = {1, 1};
  std::vector<int64_t> current(2);
  EXPECT_EQ(LatencyPick({0, 1}, {50.0, std::nullopt}, weights, &current, 0.99), 1u);
}

TEST(DeploymentPickerTest, LatencyPrefersTheFasterAndStillExplores) {
  std::vector<int> weights = {1, 1};
  std::vector<int64_t> current(2);
  std::vector<std::optional<double>> ttft = {200.0, 20.0};
  std::vector<int> counts(2);
  for (int i = 0; i < 1000; ++i) {
    double random = (i % 100) / 100.0;  // 10 % of the picks below kLatencyExploration
    ++counts[LatencyPick({0, 1}, ttft, weights, &current, random)];
  }
  EXPECT_EQ(counts[0], 50);  // half of the 100 exploring picks
  EXPECT_EQ(counts[1], 950);
}

TEST(DeploymentPickerTest, RendezvousKeepsSessionsAndMovesOnlyThoseOfALostDeployment) {
  std::vector<std::string> ids = {"[a]m", "[b]m", "[c]m"};
  std::vector<int> weights = {1, 1, 1};
  std::map<std::string, size_t> home;
  std::vector<int> per(3);
  for (int s = 0; s < 100; ++s) {
    std::string key = "session-" + std::to_string(s);
    home[key] = RendezvousPick({0, 1, 2}, ids, weights, key);
    ++per[home[key]];
    EXPECT_EQ(RendezvousPick({0, 1, 2}, ids, weights, key), home[key]);  // stable
  }
  for (int count : per) EXPECT_GT(count, 15);  // spread over all three
  for (const auto& [key, where] : home) {
    size_t moved = RendezvousPick({0, 2}, ids, weights, key);  // "[b]m" is gone
    if (where != 1) EXPECT_EQ(moved, where) << key;
    EXPECT_NE(moved, 1u);
  }
}

TEST(DeploymentPickerTest, RendezvousIsStableAcrossProcesses) {
  // Fixed values: every router replica must send a session to the same deployment.
  std::vector<std::string> ids = {"[a]m", "[b]m", "[c]m"};
  std::vector<int> weights = {1, 1, 1};
  std::string picks;
  for (const char* key : {"alice", "bob", "carol", "dave", "erin", "frank"}) {
    picks += static_cast<char>('a' + RendezvousPick({0, 1, 2}, ids, weights, key));
  }
  EXPECT_EQ(picks, "bbcaaa");
}

}  // namespace
}  // namespace llmsrouter::router
