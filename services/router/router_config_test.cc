#include "services/router/router_config.h"

#include <gtest/gtest.h>

#include "common/testing/fake_env.h"

namespace llmsrouter::router {
namespace {

TEST(RouterConfigTest, ParsesTheOriginalFormat) {
  auto config = ParseRouterConfig(R"(
servers:
  openai:   {url: "https://api.openai.com/v1", api_key: "sk-1", filter: "gpt"}
  deepseek: {url: "http://host:8000/v1/", api_key: "k", append: ["deepseek-chat"]}
  ark:
    url: https://ark.example.com/api/v3
    override: [a, b]
    headers: {X-Team: ml}
    timeouts: {connect: 2.5, total: 30}
)",
                                  FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ((*config)->providers.size(), 3u);
  const ProviderConfig* openai = (*config)->Find("openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_EQ(openai->url, "https://api.openai.com/v1");
  EXPECT_EQ(openai->api_key, "sk-1");
  EXPECT_EQ(openai->filter, "gpt");
  EXPECT_EQ((*config)->Find("deepseek")->url, "http://host:8000/v1");  // trailing slash dropped
  EXPECT_EQ((*config)->Find("deepseek")->append, std::vector<std::string>{"deepseek-chat"});
  const ProviderConfig* ark = (*config)->Find("ark");
  EXPECT_EQ(ark->url, "https://ark.example.com/api/v3");
  EXPECT_EQ(ark->override_models, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(ark->headers.size(), 1u);
  EXPECT_EQ(ark->headers[0].first, "X-Team");
  EXPECT_EQ(ark->timeouts.connect, absl::Milliseconds(2500));
  EXPECT_EQ(ark->timeouts.total, absl::Seconds(30));
  EXPECT_EQ(ark->timeouts.idle, absl::Seconds(120));  // default kept
  EXPECT_EQ((*config)->AliasList(), "ark, deepseek, openai");
}

TEST(RouterConfigTest, ExpandsEnvironmentReferences) {
  auto config =
      ParseRouterConfig("servers:\n  o: {url: \"${BASE:-http://x}/v1\", api_key: \"${KEY}\"}\n",
                        FakeEnv({{"KEY", "secret"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->Find("o")->api_key, "secret");
  EXPECT_EQ((*config)->Find("o")->url, "http://x/v1");
}

TEST(RouterConfigTest, CommentsAndKeysAreNotExpanded) {
  auto config = ParseRouterConfig(
      "# values may use ${NAME} or ${NAME:-default}\n"
      "servers:\n  o: {url: \"http://x\", api_key: \"${KEY}\"}  # ${ALSO_NOT}\n"
      "  seq: {url: \"http://y\", append: [\"${KEY}-m\"]}\n",
      FakeEnv({{"KEY", "k"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->Find("o")->api_key, "k");
  EXPECT_EQ((*config)->Find("seq")->append, std::vector<std::string>{"k-m"});
}

TEST(RouterConfigTest, TheExampleConfigLoadsWithAnEmptyEnvironment) {
  auto config = LoadRouterConfig(LLMSROUTER_SOURCE_DIR "/config.example.yaml", FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE((*config)->providers.empty());
}

TEST(RouterConfigTest, UnsetVariableIsAnErrorNamingIt) {
  auto config =
      ParseRouterConfig("servers:\n  o: {url: \"http://x\", api_key: \"${NOPE}\"}\n", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().ToString().find("NOPE"), std::string::npos);
}

TEST(RouterConfigTest, RejectsMalformedConfigs) {
  for (const char* yaml : {
           "servers: [1, 2]",
           "servers:\n  a: {api_key: k}",
           "servers:\n  a: {url: ftp://x}",
           "servers:\n  a: {url: http://x, append: {x: 1}}",
           "servers:\n  a: {url: http://x, timeouts: {connect: -1}}",
           "servers:\n  a: {url: http://x, timeouts: {total: soon}}",
           "servers:\n  '[a]': {url: http://x}",
           "servers: {a: [unclosed",
       }) {
    EXPECT_FALSE(ParseRouterConfig(yaml, FakeEnv({})).ok()) << yaml;
  }
}

TEST(RouterConfigTest, EmptyConfigHasNoProviders) {
  auto config = ParseRouterConfig("", FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE((*config)->providers.empty());
  EXPECT_EQ((*config)->AliasList(), "(none configured)");
}

}  // namespace
}  // namespace llmsrouter::router
