#include "services/router/router_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/testing/fake_env.h"
#include "services/router/router_app.h"

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

// The message of a config that must be refused; empty when it loaded.
std::string RefusalOf(const char* yaml) {
  auto config = ParseRouterConfig(yaml, FakeEnv({}));
  EXPECT_FALSE(config.ok()) << yaml;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

TEST(RouterConfigTest, AMisspeltProviderKeyIsAnErrorNamingItsPathAndTheKnownKey) {
  EXPECT_EQ(RefusalOf("servers:\n  openai: {url: http://x, api_kye: sk-1}\n"),
            "unknown key 'api_kye' at servers.openai.api_kye; did you mean 'api_key'?");
  EXPECT_EQ(RefusalOf("servers:\n  a: {url: http://x, retrys: {max: 1}}\n"),
            "unknown key 'retrys' at servers.a.retrys; did you mean 'retries'?");
}

TEST(RouterConfigTest, AMisspeltTopLevelKeyIsAnError) {
  EXPECT_EQ(RefusalOf("servres:\n  a: {url: http://x}\n"),
            "unknown key 'servres' at servres; did you mean 'servers'?");
  EXPECT_EQ(RefusalOf("limit: {buffered_bytes: 2048}\n"),
            "unknown key 'limit' at limit; did you mean 'limits'?");
}

TEST(RouterConfigTest, AMisspeltNestedKeyIsAnErrorInEveryBlock) {
  EXPECT_EQ(RefusalOf("servers:\n  a: {url: http://x, timeouts: {conect: 1}}\n"),
            "unknown key 'conect' at servers.a.timeouts.conect; did you mean 'connect'?");
  EXPECT_EQ(RefusalOf("servers:\n  a: {url: http://x, retries: {max_retries: 1}}\n"),
            "unknown key 'max_retries' at servers.a.retries.max_retries (known keys of "
            "servers.a.retries: max, base_delay, max_delay)");
  EXPECT_EQ(RefusalOf("models: {cache_tll: 5}\n"),
            "unknown key 'cache_tll' at models.cache_tll; did you mean 'cache_ttl'?");
  EXPECT_EQ(RefusalOf("proxy: {allow_url: []}\n"),
            "unknown key 'allow_url' at proxy.allow_url; did you mean 'allow_urls'?");
  EXPECT_EQ(RefusalOf("limits: {sse_bytes: 4096}\n"),
            "unknown key 'sse_bytes' at limits.sse_bytes (known keys of limits: "
            "sse_event_bytes, buffered_bytes, default_completion_tokens, failure_policy, default, "
            "providers)");
  EXPECT_EQ(RefusalOf("servers: {a: {url: http://x}}\nlimits: {providers: {a: {rmp: 5}}}\n"),
            "unknown key 'rmp' at limits.providers.a.rmp; did you mean 'rpm'?");
}

TEST(RouterConfigTest, HeaderNamesAreTheUsersOwnKeys) {
  auto config = ParseRouterConfig(
      "servers:\n  a: {url: http://x, headers: {X-Anything: 1, api_kye: y}}\n", FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->Find("a")->headers.size(), 2u);
}

TEST(RouterConfigTest, EveryKeyTheLoaderKnowsLoads) {
  auto config = ParseRouterConfig(R"(
models: {cache_ttl: 60, timeout: 1, retry_after_failure: 1}
proxy: {allow_urls: ["http://127.0.0.2:*/v1"]}
limits: {sse_event_bytes: 65536, buffered_bytes: 1048576}
servers:
  a:
    url: http://x
    api_key: k
    filter: gpt
    append: [m]
    override: [n]
    fallbacks: ["[a]m"]
    headers: {X-Team: ml}
    timeouts: {connect: 1, first_byte: 2, idle: 3, total: 4}
    retries: {max: 1, base_delay: 0.1, max_delay: 1}
    stream_usage: false
    max_connections: 3
)",
                                  FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  const ProviderConfig* a = (*config)->Find("a");
  EXPECT_EQ(a->retry.max_retries, 1);
  EXPECT_EQ(a->max_connections, 3);
  EXPECT_FALSE(a->stream_usage);
}

TEST(RouterConfigTest, CallLimitsLoadAndBadOnesNameTheirKey) {
  std::string servers = "servers: {openai: {url: \"http://x\"}}\n";
  auto config = ParseRouterConfig(servers + R"(
limits:
  default_completion_tokens: 256
  failure_policy: {rate_limits: closed, budgets: open}
  default: {rpm: 60, tpm: 100000, parallel: 4, budget: 25, period: day}
  providers:
    openai: {rpm: 3000, tpm: 1000000, parallel: 200}
)",
                                  FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  const CallLimitsConfig& calls = (*config)->limits.calls;
  EXPECT_EQ(calls.default_completion_tokens, 256);
  EXPECT_FALSE(calls.rate_limits_fail_open);
  EXPECT_TRUE(calls.budgets_fail_open);
  EXPECT_EQ(calls.default_user.rpm(), 60);
  EXPECT_EQ(calls.default_user.parallel(), 4);
  EXPECT_DOUBLE_EQ(calls.default_user.budget_usd(), 25);
  EXPECT_EQ(calls.default_user.budget_period(), "day");
  ASSERT_NE(calls.FindProvider("openai"), nullptr);
  EXPECT_EQ(calls.FindProvider("openai")->tpm(), 1000000);
  EXPECT_EQ(calls.FindProvider("deepseek"), nullptr);
  auto defaults = ParseRouterConfig(servers, FakeEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ((*defaults)->limits.calls.default_completion_tokens, 1024);
  EXPECT_TRUE((*defaults)->limits.calls.rate_limits_fail_open);
  EXPECT_FALSE((*defaults)->limits.calls.budgets_fail_open);
  EXPECT_TRUE((*defaults)->limits.calls.providers.empty());
  for (auto [yaml, named] : std::vector<std::pair<std::string, std::string>>{
           {"limits: {providers: {nope: {rpm: 1}}}", "limits.providers.nope"},
           {"limits: {providers: {openai: {rpm: -1}}}", "limits.providers.openai.rpm"},
           {"limits: {providers: {openai: {budget: 1}}}", "budget"},
           {"limits: {default: {tpm: lots}}", "limits.default.tpm"},
           {"limits: {default: {budget: 5, period: fortnight}}", "limits.default"},
           {"limits: {default: {period: day}}", "limits.default.period"},
           {"limits: {failure_policy: {budgets: maybe}}", "limits.failure_policy.budgets"},
           {"limits: {failure_policy: {rates: open}}", "rate_limits"},
           {"limits: {default_completion_tokens: -5}", "limits.default_completion_tokens"},
       }) {
    auto bad = ParseRouterConfig(servers + yaml, FakeEnv({}));
    ASSERT_FALSE(bad.ok()) << yaml;
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
    EXPECT_NE(bad.status().message().find(named), std::string::npos) << bad.status();
  }
}

TEST(RouterConfigTest, AReloadWithAnUnknownKeyKeepsTheOldConfig) {
  std::string path = ::testing::TempDir() + "/reload_config.yaml";
  auto write = [&](const char* yaml) { std::ofstream(path, std::ios::trunc) << yaml; };
  write("servers:\n  a: {url: http://x, api_key: old}\n");
  auto app = RouterApp::Create({.config_path = path,
                                .env = FakeEnv({}),
                                .watch_interval = absl::ZeroDuration(),
                                .threads = 1});
  ASSERT_TRUE(app.ok()) << app.status();
  write("servers:\n  a: {url: http://x, api_kye: new}\n");
  absl::Status reload = (*app)->Reload();
  EXPECT_EQ(reload.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(reload.message().find("servers.a.api_kye; did you mean 'api_key'?"),
            absl::string_view::npos)
      << reload;
  EXPECT_EQ((*app)->config()->Find("a")->api_key, "old");
  write("servers:\n  a: {url: http://x, api_key: new}\n");
  ASSERT_TRUE((*app)->Reload().ok());
  EXPECT_EQ((*app)->config()->Find("a")->api_key, "new");
  std::remove(path.c_str());
}

TEST(RouterConfigTest, AnUnknownKeyStopsTheStart) {
  std::string path = ::testing::TempDir() + "/start_config.yaml";
  std::ofstream(path, std::ios::trunc) << "servers:\n  a: {url: http://x}\nretrys: 2\n";
  auto app = RouterApp::Create({.config_path = path,
                                .env = FakeEnv({}),
                                .watch_interval = absl::ZeroDuration(),
                                .threads = 1});
  ASSERT_FALSE(app.ok());
  EXPECT_NE(app.status().message().find("unknown key 'retrys' at retrys"), absl::string_view::npos)
      << app.status();
  std::remove(path.c_str());
}

TEST(RouterConfigTest, EmptyConfigHasNoProviders) {
  auto config = ParseRouterConfig("", FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE((*config)->providers.empty());
  EXPECT_EQ((*config)->AliasList(), "(none configured)");
}

}  // namespace
}  // namespace llmsrouter::router
