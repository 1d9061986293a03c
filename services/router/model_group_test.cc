#include "services/router/model_group.h"

#include <gtest/gtest.h>

#include "common/testing/fake_env.h"
#include "services/router/router_config.h"

namespace llmsrouter::router {
namespace {

constexpr char kServers[] =
    "servers:\n  a: {url: \"http://127.0.0.1:1\"}\n  b: {url: \"http://127.0.0.1:2\"}\n";

absl::StatusOr<std::shared_ptr<const RouterConfig>> Parse(const std::string& groups) {
  return ParseRouterConfig(std::string(kServers) + groups, FakeEnv({}));
}

TEST(ModelGroupTest, ParsesTheDocumentedShape) {
  auto config = Parse(R"(groups:
  gpt-4o:
    strategy: least_busy
    affinity: {header: X-Session-Id}
    deployments:
      - {model: "[a]gpt-4o", weight: 2}
      - {model: "[b]gpt-4o"}
    ejection: {consecutive_failures: 2, cooldown: 1.5, max_cooldown: 20}
    health_check: {interval: 2}
  chat:
    affinity: {field: user}
    deployments: [{model: "[b]x"}]
)");
  ASSERT_TRUE(config.ok()) << config.status();
  const GroupConfig* group = (*config)->FindGroup("gpt-4o");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->strategy, PickStrategy::kLeastBusy);
  EXPECT_EQ(group->affinity.header, "x-session-id");
  ASSERT_EQ(group->deployments.size(), 2u);
  EXPECT_EQ(group->deployments[0].model, "[a]gpt-4o");
  EXPECT_EQ(group->deployments[0].alias, "a");
  EXPECT_EQ(group->deployments[0].weight, 2);
  EXPECT_EQ(group->deployments[1].weight, 1);
  EXPECT_EQ(group->ejection.consecutive_failures, 2);
  EXPECT_EQ(group->ejection.cooldown, absl::Milliseconds(1500));
  EXPECT_EQ(group->ejection.max_cooldown, absl::Seconds(20));
  EXPECT_EQ(group->health_check_interval, absl::Seconds(2));
  const GroupConfig* chat = (*config)->FindGroup("chat");
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->strategy, PickStrategy::kWeighted);
  EXPECT_EQ(chat->affinity.field, "user");
  EXPECT_EQ(chat->ejection.consecutive_failures, 3);  // defaults
  EXPECT_EQ((*config)->FindGroup("[a]gpt-4o"), nullptr);
}

TEST(ModelGroupTest, RefusesBadGroupsNamingTheKey) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"groups:\n  g: {deployments: [{model: \"[zz]m\"}]}\n", "unknown provider 'zz'"},
      {"groups:\n  g: {deployments: [{model: \"plain\"}]}\n", "groups.g.deployments[0].model"},
      {"groups:\n  g: {deployments: []}\n", "groups.g.deployments must be a non-empty list"},
      {"groups:\n  g: {strategy: random, deployments: [{model: \"[a]m\"}]}\n",
       "groups.g.strategy must be one of"},
      {"groups:\n  g: {deployments: [{model: \"[a]m\", weight: 0}]}\n",
       "groups.g.deployments[0].weight"},
      {"groups:\n  g: {deployments: [{model: \"[a]m\"}, {model: \"[a]m\"}]}\n", "repeats [a]m"},
      {"groups:\n  g: {affinity: {header: Cookie}, deployments: [{model: \"[a]m\"}]}\n",
       "a header the gateway forwards"},
      {"groups:\n  g: {affinity: {header: x-session-id, field: user}, deployments: "
       "[{model: \"[a]m\"}]}\n",
       "groups.g.affinity must be"},
      {"groups:\n  g: {deployments: [{model: \"[a]m\", wieght: 2}]}\n",
       "unknown key 'wieght' at groups.g.deployments[0].wieght; did you mean 'weight'?"},
      {"groups:\n  g: {ejection: {cooldown: 10, max_cooldown: 5}, deployments: [{model: "
       "\"[a]m\"}]}\n",
       "max_cooldown must not be less than cooldown"},
      {"groups:\n  \"[a]m\": {deployments: [{model: \"[a]m\"}]}\n", "invalid group name"},
  };
  for (const Case& c : cases) {
    auto config = Parse(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(c.message), std::string::npos)
        << config.status().message();
  }
}

}  // namespace
}  // namespace llmsrouter::router
