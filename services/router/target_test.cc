#include "services/router/target.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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

class FakeResolver : public HostResolver {
 public:
  absl::StatusOr<std::vector<IpAddress>> Resolve(std::string_view host) override {
    ++lookups;
    auto it = table.find(std::string(host));
    if (it == table.end()) return absl::NotFoundError("no such host");
    std::vector<IpAddress> out;
    for (const std::string& text : it->second) out.push_back(*IpAddress::Parse(text));
    return out;
  }
  std::map<std::string, std::vector<std::string>> table;
  int lookups = 0;
};

std::shared_ptr<const RouterConfig> ProxyConfig() {
  auto config = std::make_shared<RouterConfig>(*Config());
  config->proxy_allow_urls = {"http://10.0.*.*:*/v1", "https://*.internal.example/*",
                              "http://127.0.0.2:*/v1"};
  return config;
}

TEST(ResolveTargetTest, ProxyUrlAllowedByPattern) {
  FakeResolver resolver;
  resolver.table["gpu.internal.example"] = {"203.0.113.7"};
  auto config = ProxyConfig();
  // An IP literal the pattern names: no lookup, private or loopback is fine.
  auto target = ResolveTarget(config, "llama3", "http://10.0.3.4:8000/v1/", &resolver);
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->provider->url, "http://10.0.3.4:8000/v1");
  EXPECT_EQ(target->upstream_model, "llama3");
  EXPECT_TRUE(target->pinned_resolve.empty());
  EXPECT_TRUE(ResolveTarget(config, "m", "http://127.0.0.2:9/v1", &resolver).ok());
  EXPECT_EQ(resolver.lookups, 0);
  // A DNS name with public addresses: allowed, and pinned to what was checked.
  auto named = ResolveTarget(config, "m", "https://gpu.internal.example/openai/v1", &resolver);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->pinned_resolve, "gpu.internal.example:443:203.0.113.7");
  EXPECT_EQ(ResolveTarget(config, "m", "http://evil.example/v1", &resolver).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorCode(ResolveTarget(config, "m", "file:///etc/passwd", &resolver).status()),
            "invalid_proxy_url");
}

TEST(ResolveTargetTest, DnsNamesResolvingToInternalAddressesAreRefused) {
  FakeResolver resolver;
  resolver.table["meta.internal.example"] = {"169.254.169.254"};
  resolver.table["mixed.internal.example"] = {"203.0.113.7", "10.0.0.5"};
  resolver.table["six.internal.example"] = {"2606:4700::1", "::1"};
  resolver.table["mapped.internal.example"] = {"::ffff:127.0.0.1"};
  auto config = ProxyConfig();
  for (const char* url :
       {"https://meta.internal.example/v1", "https://mixed.internal.example/v1",
        "https://six.internal.example/v1", "https://mapped.internal.example/v1"}) {
    auto target = ResolveTarget(config, "m", url, &resolver);
    EXPECT_EQ(target.status().code(), absl::StatusCode::kPermissionDenied) << url;
    EXPECT_EQ(ErrorCode(target.status()), "proxy_url_not_allowed") << url;
    EXPECT_EQ(ErrorParam(target.status()), "proxy") << url;
  }
  EXPECT_EQ(
      ResolveTarget(config, "m", "https://gone.internal.example/v1", &resolver).status().code(),
      absl::StatusCode::kInvalidArgument);
  // Without a resolver a DNS name cannot be checked, so it is refused.
  EXPECT_EQ(ResolveTarget(config, "m", "https://meta.internal.example/v1").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ResolveTargetTest, BypassUrlsAreRefusedBeforeAnyLookup) {
  FakeResolver resolver;
  resolver.table["127.0.0.2.evil"] = {"127.0.0.1"};
  auto config = ProxyConfig();
  for (const char* url :
       {"http://127.0.0.2:1@127.0.0.1:8080/v1", "http://127.0.0.1:8080/secret%23/v1",
        "http://127.0.0.1:8080/secret%3F/v1", "http://127.0.0.2:8080/v1%2F..%2Fsecret",
        "http://127.0.0.2%40127.0.0.1:8080/v1", "http://127.0.0.2.evil:8080/v1",
        "http://[::1]:8080/v1", "HTTP://127.0.0.2:8080/v1", "http://127.0.0.2:8080/v1/../x",
        "http://127.0.0.2:8080\\v1", "http://127.0.0.1:8080/v1"}) {
    auto target = ResolveTarget(config, "m", url, &resolver);
    EXPECT_FALSE(target.ok()) << url;
    int http = HttpStatusFromStatus(target.status());
    EXPECT_TRUE(http == 400 || http == 403) << url << " " << http;
  }
  EXPECT_EQ(resolver.lookups, 0);
}

TEST(ResolveTargetTest, RefusesProxyUrlsAndEmptyModels) {
  EXPECT_EQ(ResolveTarget(Config(), "m", "http://evil.example/v1").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ResolveTarget(Config(), "", "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmsrouter::router
