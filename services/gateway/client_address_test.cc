#include "services/gateway/client_address.h"

#include <gtest/gtest.h>

#include "common/testing/fake_env.h"
#include "services/gateway/gateway_flags.h"

namespace llmsrouter::gateway {
namespace {

net::ip::address Ip(const char* text) { return net::ip::make_address(text); }

TrustedProxies Trusted(std::string_view list) {
  auto parsed = TrustedProxies::Parse(list);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : TrustedProxies();
}

TEST(TrustedProxiesTest, ParsesIpv4AndIpv6Blocks) {
  TrustedProxies t = Trusted(" 127.0.0.0/8, 10.1.2.3 ,fd00:abcd::/32, ::1");
  EXPECT_TRUE(t.Contains(Ip("127.255.0.1")));
  EXPECT_TRUE(t.Contains(Ip("10.1.2.3")));
  EXPECT_FALSE(t.Contains(Ip("10.1.2.4")));
  EXPECT_FALSE(t.Contains(Ip("128.0.0.1")));
  EXPECT_TRUE(t.Contains(Ip("fd00:abcd:ffff::9")));
  EXPECT_FALSE(t.Contains(Ip("fd00:abce::9")));
  EXPECT_TRUE(t.Contains(Ip("::1")));
  EXPECT_FALSE(t.Contains(Ip("::2")));
  // An IPv4-mapped IPv6 peer (dual-stack socket) is its IPv4 address.
  EXPECT_TRUE(t.Contains(Ip("::ffff:127.0.0.9")));
}

TEST(TrustedProxiesTest, PrefixesThatAreNotByteAligned) {
  TrustedProxies t = Trusted("192.168.0.0/23,2001:db8:8000::/33");
  EXPECT_TRUE(t.Contains(Ip("192.168.1.255")));
  EXPECT_FALSE(t.Contains(Ip("192.168.2.0")));
  EXPECT_TRUE(t.Contains(Ip("2001:db8:ffff::1")));
  EXPECT_FALSE(t.Contains(Ip("2001:db8:7fff::1")));
  TrustedProxies all = Trusted("0.0.0.0/0");
  EXPECT_TRUE(all.Contains(Ip("203.0.113.7")));
  EXPECT_FALSE(all.Contains(Ip("2001:db8::1")));  // an IPv4 block never holds IPv6
}

TEST(TrustedProxiesTest, RejectsMalformedEntries) {
  EXPECT_TRUE(TrustedProxies::Parse("").ok());
  EXPECT_TRUE(TrustedProxies::Parse("").value().empty());
  for (std::string_view bad : {"10.0.0.0/33", "::/129", "10.0.0/8", "localhost", "10.0.0.0/",
                               "10.0.0.0/-1", "10.0.0.0/8x", "*"}) {
    auto parsed = TrustedProxies::Parse(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ForwardedAddressTest, AcceptsTheUsualSpellings) {
  EXPECT_EQ(ParseForwardedAddress("203.0.113.7")->to_string(), "203.0.113.7");
  EXPECT_EQ(ParseForwardedAddress(" 203.0.113.7:4711 ")->to_string(), "203.0.113.7");
  EXPECT_EQ(ParseForwardedAddress("2001:db8::17")->to_string(), "2001:db8::17");
  EXPECT_EQ(ParseForwardedAddress("\"[2001:db8:cafe::17]:4711\"")->to_string(),
            "2001:db8:cafe::17");
  EXPECT_EQ(ParseForwardedAddress("[::ffff:198.51.100.1]")->to_string(), "198.51.100.1");
  for (std::string_view bad : {"unknown", "_hidden", "", "[2001:db8::1", "1.2.3.4:x", "a.b.c.d"}) {
    EXPECT_FALSE(ParseForwardedAddress(bad).has_value()) << bad;
  }
}

TEST(ClientAddressTest, WithoutTrustedProxiesTheHeadersAreIgnored) {
  EXPECT_EQ(ClientAddress(TrustedProxies(), "127.0.0.5", "198.51.100.1", "for=198.51.100.2"),
            "127.0.0.5");
}

TEST(ClientAddressTest, SpoofedHeadersFromAnUntrustedPeerAreIgnored) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(t, "127.0.0.5", "198.51.100.1", ""), "127.0.0.5");
  EXPECT_EQ(ClientAddress(t, "127.0.0.5", "", "for=198.51.100.2"), "127.0.0.5");
  EXPECT_EQ(ClientAddress(t, "2001:db8::5", "10.0.0.1", ""), "2001:db8::5");
}

TEST(ClientAddressTest, TakesTheRightMostUntrustedHop) {
  TrustedProxies t = Trusted("10.0.0.0/8,fd00::/8");
  // The client put a fake address first; the ingress appended the real one.
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "1.1.1.1, 198.51.100.7, 10.0.0.9", ""), "198.51.100.7");
  EXPECT_EQ(ClientAddress(t, "fd00::2", "2001:db8::7", ""), "2001:db8::7");
  EXPECT_EQ(ClientAddress(t, "::ffff:10.0.0.2", "198.51.100.7", ""), "198.51.100.7");
  // Forwarded only when there is no X-Forwarded-For.
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "",
                          "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=https"),
            "2001:db8:cafe::17");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "198.51.100.7", "for=192.0.2.43"), "198.51.100.7");
}

TEST(ClientAddressTest, JunkOrOnlyTrustedHopsStopAtTheLastKnownProxy) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "garbage, 10.0.0.3", ""), "10.0.0.3");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "unknown", ""), "10.0.0.2");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "10.0.0.4, 10.0.0.3", ""), "10.0.0.4");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", "", ""), "10.0.0.2");
}

TEST(ClientAddressTest, ReadsEveryOccurrenceOfTheHeader) {
  TrustedProxies t = Trusted("10.0.0.0/8");
  HttpRequest request;
  request.insert("X-Forwarded-For", "198.51.100.1");
  request.insert("X-Forwarded-For", "198.51.100.2, 10.0.0.7");
  EXPECT_EQ(ClientAddress(t, "10.0.0.2", request), "198.51.100.2");
  EXPECT_EQ(ClientAddress(t, "127.0.0.1", request), "127.0.0.1");
}

TEST(GatewayFlagsTest, TrustedProxiesAndMetricsListenFromFlagOrEnvironment) {
  auto from_env = Options::Parse(GatewayFlagSpecs(), {},
                                 FakeEnv({{"LLMSROUTER_TRUSTED_PROXIES", "10.0.0.0/8"},
                                          {"LLMSROUTER_METRICS_LISTEN", "127.0.0.1:0"}}),
                                 {});
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  auto options = GatewayOptionsFrom(*from_env);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->gateway.trusted_proxies.Contains(Ip("10.9.9.9")));
  EXPECT_EQ(options->metrics_listen, "127.0.0.1:0");
  auto bad =
      Options::Parse(GatewayFlagSpecs(), {"--trusted-proxies", "10.0.0.0/99"}, FakeEnv({}), {});
  ASSERT_TRUE(bad.ok());
  auto refused = GatewayOptionsFrom(*bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(refused.status().message()).find("10.0.0.0/99"), std::string::npos);
  auto none = Options::Parse(GatewayFlagSpecs(), {}, FakeEnv({}), {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(GatewayOptionsFrom(*none)->gateway.trusted_proxies.empty());
}

}  // namespace
}  // namespace llmsrouter::gateway
