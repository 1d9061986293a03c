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

TEST(RouterConfigTest, AllowUrlsAndLimits) {
  auto config = ParseRouterConfig(R"(
proxy: {allow_urls: ["http://127.0.0.2:*/v1", "https://*.gpu.example/v1"]}
limits: {sse_event_bytes: 65536, buffered_bytes: 1048576}
)",
                                  FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->proxy_allow_urls.size(), 2u);
  EXPECT_EQ((*config)->limits.sse_event_bytes, 65536u);
  EXPECT_EQ((*config)->limits.buffered_bytes, 1048576u);
  auto defaults = ParseRouterConfig("servers: {}\n", FakeEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ((*defaults)->limits.sse_event_bytes, size_t{4} << 20);
  EXPECT_EQ((*defaults)->limits.buffered_bytes, size_t{512} << 20);
  // The old glob form matched across '@', '/' and '#'; it is refused now, naming the entry.
  auto old = ParseRouterConfig(R"(proxy: {allow_urls: ["http://ok/v1", "http://10.0.*/v1"]})",
                               FakeEnv({}));
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("proxy.allow_urls[1]"), absl::string_view::npos);
  EXPECT_FALSE(ParseRouterConfig("limits: {sse_event_bytes: 12}\n", FakeEnv({})).ok());
  EXPECT_FALSE(ParseRouterConfig("limits: {buffered_bytes: lots}\n", FakeEnv({})).ok());
}

TEST(RouterConfigTest, EmptyConfigHasNoProviders) {
  auto config = ParseRouterConfig("", FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE((*config)->providers.empty());
  EXPECT_EQ((*config)->AliasList(), "(none configured)");
}

}  // namespace
}  // namespace llmsrouter::router
