#include "services/router/target.h"

#include <gtest/gtest.h>

#include "common/status_map.h"

namespace llmsrouter::router {
namespace {

std::shared_ptr<const RouterConfig> Config() {
  auto config = std::make_shared<RouterConfig>();
  config->providers["openai"] = ProviderConfig{.alias = "openai", .url = "http://o"};
  config->providers["ds"] = ProviderConfig{.alias = "ds", .url = "http://d"};
  return config;
}

TEST(ParseModelNameTest, SplitsAliasAndModel) {
  auto name = ParseModelName("[openai]gpt-4o");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->alias, "openai");
  EXPECT_EQ(name->model, "gpt-4o");
  EXPECT_EQ(ParseModelName("gpt-4o")->alias, "");
  EXPECT_EQ(ParseModelName("[a]b[c]d")->model, "b[c]d");
  EXPECT_FALSE(ParseModelName("[openai").ok());
  EXPECT_FALSE(ParseModelName("[]gpt").ok());
}

TEST(ResolveTargetTest, AutoMode) {
  auto target = ResolveTarget(Config(), "[openai]gpt-4o", "");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->provider->alias, "openai");
  EXPECT_EQ(target->upstream_model, "gpt-4o");
  EXPECT_EQ(target->requested_model, "[openai]gpt-4o");
}

TEST(ResolveTargetTest, ProxyModeSendsModelAsGiven) {
  auto target = ResolveTarget(Config(), "[x]y", "ds");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->provider->alias, "ds");
  EXPECT_EQ(target->upstream_model, "[x]y");
}

TEST(ResolveTargetTest, UnknownAliasIsNotFoundNamingAliases) {
  auto target = ResolveTarget(Config(), "[nope]m", "");
  ASSERT_EQ(target.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(target.status().message().find("ds, openai"), absl::string_view::npos);
  EXPECT_EQ(ErrorCode(target.status()), "model_not_found");
  EXPECT_EQ(ErrorParam(target.status()), "model");
  EXPECT_EQ(ResolveTarget(Config(), "plain", "").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ResolveTarget(Config(), "m", "nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(ResolveTargetTest, ProxyUrlAllowedByPattern) {
  auto config = std::make_shared<RouterConfig>(*Config());
  config->proxy_allow_urls = {"http://10.0.*/v1", "https://*.internal.example/*"};
  auto target = ResolveTarget(config, "llama3", "http://10.0.3.4:8000/v1/");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->provider->url, "http://10.0.3.4:8000/v1");
  EXPECT_EQ(target->upstream_model, "llama3");
  EXPECT_TRUE(ResolveTarget(config, "m", "https://gpu.internal.example/openai/v1").ok());
  EXPECT_EQ(ResolveTarget(config, "m", "http://evil.example/v1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ResolveTarget(config, "m", "file:///etc/passwd").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ResolveTargetTest, RefusesProxyUrlsAndEmptyModels) {
  EXPECT_EQ(ResolveTarget(Config(), "m", "http://evil.example/v1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ResolveTarget(Config(), "", "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmsrouter::router
