#include "common/service_identity.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/strings.h"
#include "common/testing/fake_env.h"

namespace llmsrouter {
namespace {

absl::StatusOr<Options> Parse(std::map<std::string, std::string> env) {
  return Options::Parse(ServiceTokenFlagSpecs(), {}, FakeEnv(std::move(env)), {});
}

TEST(CallerTrustTest, TokenMustMatchExactly) {
  CallerTrust trust({.service_token = "0123456789abcdef"});
  EXPECT_TRUE(trust.configured());
  EXPECT_TRUE(trust.TokenMatches("0123456789abcdef"));
  EXPECT_FALSE(trust.TokenMatches("0123456789abcdeF"));
  EXPECT_FALSE(trust.TokenMatches("0123456789abcde"));
  EXPECT_FALSE(trust.TokenMatches(""));
}

TEST(CallerTrustTest, NoTokenConfiguredTrustsNoToken) {
  CallerTrust trust(TrustPolicy{});
  EXPECT_FALSE(trust.configured());
  EXPECT_FALSE(trust.TokenMatches(""));
  EXPECT_FALSE(trust.PeerMatches({""}));
}

TEST(CallerTrustTest, PeerNamesMatchWholeNames) {
  CallerTrust trust({.trusted_peers = {"llmsrouter-gateway"}});
  EXPECT_TRUE(trust.PeerMatches({"direct-client", "llmsrouter-gateway"}));
  EXPECT_FALSE(trust.PeerMatches({"llmsrouter-gateway.evil"}));
  EXPECT_FALSE(trust.PeerMatches({}));
}

TEST(ServiceTokenTest, FromFlagOrFile) {
  auto options = Parse({{"LLMSROUTER_SERVICE_TOKEN", "0123456789abcdef"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(*ServiceTokenFrom(*options), "0123456789abcdef");

  std::string path = ::testing::TempDir() + "/service-token";
  std::ofstream(path) << "  from-a-file-0123456789\n";
  options = Parse({{"LLMSROUTER_SERVICE_TOKEN_FILE", path}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(*ServiceTokenFrom(*options), "from-a-file-0123456789");
  std::remove(path.c_str());
}

TEST(ServiceTokenTest, RefusesShortTokensAndMissingFiles) {
  auto options = Parse({{"LLMSROUTER_SERVICE_TOKEN", "short"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(ServiceTokenFrom(*options).status().code(), absl::StatusCode::kInvalidArgument);
  options = Parse({{"LLMSROUTER_SERVICE_TOKEN_FILE", "/nonexistent/token"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(ServiceTokenFrom(*options).status().code(), absl::StatusCode::kInvalidArgument);
  options = Parse({});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(*ServiceTokenFrom(*options), "");
}

TEST(ServiceTokenTest, ParsePeerList) {
  EXPECT_EQ(ParsePeerList(" a, ,b ,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(ParsePeerList("").empty());
}

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "Same"));
  EXPECT_FALSE(ConstantTimeEquals("short", "longer"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace llmsrouter
