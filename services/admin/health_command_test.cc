#include "services/admin/health_command.h"

#include <gtest/gtest.h>

namespace llmsrouter::admin {
namespace {

TEST(HealthCommandTest, PrintsEachDeploymentWithStateCooldownAndCause) {
  router::v1::GroupHealthResponse response;
  auto* healthy = response.add_deployments();
  healthy->set_group("gpt-4o");
  healthy->set_deployment("[east]gpt-4o");
  healthy->set_strategy("weighted");
  healthy->set_weight(2);
  healthy->set_state("healthy");
  healthy->set_calls(10);
  healthy->set_ttft_ms(42.7);
  auto* ejected = response.add_deployments();
  *ejected = *healthy;
  ejected->set_deployment("[west]gpt-4o");
  ejected->set_state("ejected");
  ejected->set_cooldown_left_ms(2500);
  ejected->set_ejections(1);
  ejected->set_cause("HTTP 429 Retry-After 3s");
  std::string text = FormatHealth(response);
  EXPECT_NE(text.find("GROUP"), std::string::npos);
  EXPECT_NE(text.find("[east]gpt-4o"), std::string::npos);
  EXPECT_NE(text.find("2.5s"), std::string::npos);
  EXPECT_NE(text.find("HTTP 429 Retry-After 3s"), std::string::npos);
  EXPECT_NE(text.find(" 42 "), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST(HealthCommandTest, SaysSoWithoutGroups) {
  EXPECT_EQ(FormatHealth({}), "no model groups configured\n");
}

}  // namespace
}  // namespace llmsrouter::admin
