#include "services/router/health_checker.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "common/testing/fake_scheduler.h"
#include "services/router/testing/fake_http_client.h"

namespace llmsrouter::router {
namespace {

class HealthCheckerTest : public ::testing::Test {
 protected:
  HealthCheckerTest() {
    auto config = std::make_shared<RouterConfig>();
    config->providers["a"] = ProviderConfig{.alias = "a", .url = "http://a/v1", .api_key = "ka"};
    config->providers["b"] = ProviderConfig{.alias = "b", .url = "http://b/v1"};
    config->groups["g"] = GroupConfig{.name = "g",
                                      .deployments = {{"[a]m", "a", 1}, {"[b]m", "b", 1}},
                                      .health_check_interval = absl::Seconds(2)};
    store_ = std::make_unique<ConfigStore>(config);
    checker_ =
        std::make_shared<HealthChecker>(store_.get(), &balancer_, &http_, clock_, &scheduler_);
  }
  void Eject(const std::string& model) {
    balancer_.Finish("g", model, {}, {AttemptResult::kRateLimited, "429", absl::Seconds(60)});
  }
  bool Ejected(size_t i) { return balancer_.Snapshot(store_->Get()->groups)[i].ejected; }

  FakeClock clock_;
  FakeScheduler scheduler_;
  FakeHttpClient http_;
  GroupBalancer balancer_{clock_, [] { return 0.5; }};
  std::unique_ptr<ConfigStore> store_;
  std::shared_ptr<HealthChecker> checker_;
};

TEST_F(HealthCheckerTest, ProbesOnlyEjectedDeploymentsAndReadmitsOnA2xx) {
  EXPECT_EQ(checker_->RunRound(), 0);  // nothing ejected: no traffic
  Eject("[a]m");
  EXPECT_EQ(checker_->RunRound(), 1);
  ASSERT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(http_.started[0]->request.method, "GET");
  EXPECT_EQ(http_.started[0]->request.url, "http://a/v1/models");
  EXPECT_EQ(http_.started[0]->request.headers[0].second, "Bearer ka");
  EXPECT_EQ(checker_->RunRound(), 0);  // one probe at a time per deployment
  http_.Respond(0, 200, {}, R"({"data":[]})");
  EXPECT_FALSE(Ejected(0));
  EXPECT_FALSE(Ejected(1));
}

TEST_F(HealthCheckerTest, AFailedProbeKeepsItEjectedAndRetriesAtTheInterval) {
  Eject("[b]m");
  ASSERT_EQ(checker_->RunRound(), 1);
  http_.Respond(0, 503, {}, "{}");
  EXPECT_TRUE(Ejected(1));
  clock_.now += absl::Milliseconds(1999);
  EXPECT_EQ(checker_->RunRound(), 0);
  clock_.now += absl::Milliseconds(1);
  ASSERT_EQ(checker_->RunRound(), 1);
  http_.Fail(1, absl::UnavailableError("connection refused"));
  EXPECT_TRUE(Ejected(1));
}

TEST_F(HealthCheckerTest, GroupsWithoutAnIntervalAreNotProbed) {
  auto config = std::make_shared<RouterConfig>(*store_->Get());
  config->groups["g"].health_check_interval = absl::ZeroDuration();
  store_->Set(config);
  Eject("[a]m");
  EXPECT_EQ(checker_->RunRound(), 0);
  EXPECT_TRUE(http_.started.empty());
}

TEST_F(HealthCheckerTest, RoundsRepeatUntilStopped) {
  Eject("[a]m");
  checker_->Start();
  ASSERT_EQ(scheduler_.pending.size(), 1u);
  EXPECT_EQ(scheduler_.delays[0], HealthChecker::kRound);
  auto round = std::move(scheduler_.pending[0]);
  scheduler_.pending.clear();
  round();
  EXPECT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(scheduler_.pending.size(), 1u);  // the next round
  checker_->Stop();
  http_.Respond(0, 500, {}, "{}");
  clock_.now += absl::Seconds(5);
  EXPECT_EQ(checker_->RunRound(), 0);
}

}  // namespace
}  // namespace llmsrouter::router
