#include "services/router/proxy_url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmsrouter::router {
namespace {

bool Allowed(const std::vector<std::string>& patterns, const std::string& text) {
  auto url = ParseProxyUrl(text);
  if (!url.ok()) return false;
  for (const std::string& entry : patterns) {
    auto pattern = UrlPattern::Parse(entry);
    EXPECT_TRUE(pattern.ok()) << entry << ": " << pattern.status();
    if (pattern.ok() && pattern->Matches(*url)) return true;
  }
  return false;
}

// Each of these hides 127.0.0.1 (or another place) behind an allow-list written for
// 127.0.0.2; none may be allowed.
TEST(ProxyUrlTest, BypassAttemptsAreRefused) {
  const std::vector<std::string> allow = {"http://127.0.0.2:*/v1"};
  const char* kBypasses[] = {
      "http://127.0.0.2:1@127.0.0.1:8080/v1",  // userinfo
      "http://127.0.0.2@127.0.0.1:8080/v1",
      "http://127.0.0.2%40127.0.0.1:8080/v1",        // encoded '@' in the host
      "http://127.0.0.1:8080/admin%23/v1",           // encoded '#'
      "http://127.0.0.1:8080/admin#/v1",             // fragment
      "http://127.0.0.1:8080/admin?/v1",             // query
      "http://127.0.0.1:8080/admin%3F/v1",           // encoded '?'
      "http://127.0.0.2:8080/v1%2F..%2F..%2Fadmin",  // encoded '/'
      "http://127.0.0.2:8080/v1/%2e%2e/admin",       // encoded '..'
      "http://127.0.0.2:8080/v1/../admin",           // '..' segment
      "http://127.0.0.2:8080/v1/./x",                // '.' segment
      "http://127.0.0.2:8080/v1\\..\\admin",         // backslashes
      "http:\\\\127.0.0.1:8080/v1",
      "http://127.0.0.2.evil:8080/v1",  // host suffix
      "http://127.0.0.2.:8080/v1",      // trailing dot
      "http://x127.0.0.2:8080/v1",
      "http://[::1]:8080/v1",               // IPv6 loopback
      "http://[::ffff:127.0.0.1]:8080/v1",  // IPv4-mapped
      "http://[::1%25lo]:8080/v1",          // zone id
      "HTTP://127.0.0.2:8080/v1",           // upper-case scheme
      "Http://127.0.0.2:8080/v1",
      "https://127.0.0.2:8080/v1",  // other scheme than the pattern's
      "ftp://127.0.0.2:8080/v1",
      "file:///etc/passwd",
      "gopher://127.0.0.2:8080/v1",
      "//127.0.0.2:8080/v1",  // scheme-relative
      "http:/127.0.0.2:8080/v1",
      "http://127.0.0.2:8080:9090/v1",  // two ports
      "http://127.0.0.2:/v1",           // empty port
      "http://127.0.0.2:0/v1",
      "http://127.0.0.2:65536/v1",
      "http://127.0.0.2:+80/v1",
      "http://127.1:8080/v1",       // short IPv4
      "http://2130706433:8080/v1",  // integer IPv4
      "http://0x7f.0.0.2:8080/v1",  // hex IPv4
      "http://0177.0.0.2:8080/v1",  // octal IPv4
      "http://127.0.0.02:8080/v1",  // leading zero
      "http://127.0.0.2 :8080/v1",  // space
      "http://127.0.0.2:8080/v1 ",
      "http://127.0.0.2:8080/v10",  // not a segment prefix
      "http://127.0.0.2:8080/",     // shorter than the pattern
      "http://127.0.0.2:8080//v1",  // empty segment
      "http://127.0.0.2\t:8080/v1",
      "http://127.0.0.2:8080/v1/%zz",          // malformed escape
      "http://127.0.0.2:8080/v1/%00",          // control byte
      "http://127.0.0.2:8080/v1/%5C..",        // encoded backslash
      "http://127.0.0.2:8080/v1/caf\xc3\xa9",  // non-ASCII
  };
  for (const char* url : kBypasses) EXPECT_FALSE(Allowed(allow, url)) << url;
}

TEST(ProxyUrlTest, LegitimateUrlsAreAllowed) {
  const std::vector<std::string> allow = {"http://127.0.0.2:*/v1", "https://*.internal.example/*",
                                          "http://[::1]:8000/v1", "http://127.0.0.*:9000/*/v1"};
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.2:8080/v1"));
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.2:8080/v1/"));
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.2:1/v1/chat"));
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.2/v1"));           // port 80 matches '*'
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.2:8080/%76%31"));  // unreserved escapes decode
  EXPECT_TRUE(Allowed(allow, "https://gpu.internal.example/openai/v1"));
  EXPECT_TRUE(Allowed(allow, "https://GPU.Internal.Example/openai"));  // host case folds
  EXPECT_TRUE(Allowed(allow, "http://[::1]:8000/v1"));
  EXPECT_TRUE(Allowed(allow, "http://[0:0::1]:8000/v1"));  // same address
  EXPECT_TRUE(Allowed(allow, "http://127.0.0.9:9000/team/v1"));
  // '*' is one label / one segment, never more.
  EXPECT_FALSE(Allowed(allow, "https://a.gpu.internal.example/v1"));
  EXPECT_FALSE(Allowed(allow, "https://internal.example/v1"));
  EXPECT_FALSE(Allowed(allow, "http://127.0.0.9:9000/a/b/v1"));
  EXPECT_FALSE(Allowed(allow, "http://127.0.0.9:9000/a:b/v1"));
  EXPECT_FALSE(Allowed(allow, "https://gpu.internal.example"));
  EXPECT_FALSE(Allowed(allow, "http://[::1]:8001/v1"));
  EXPECT_FALSE(Allowed(allow, "http://127.0.0.9:9001/team/v1"));
}

TEST(ProxyUrlTest, NormalisesWhatGoesUpstream) {
  auto url = ParseProxyUrl("http://Host.Example:80/v1/%7euser/%41/");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->Base(), "http://host.example/v1/~user/A");
  EXPECT_EQ(url->HostPort(), "host.example:80");
  EXPECT_FALSE(url->address.has_value());
  auto v6 = ParseProxyUrl("https://[0:0::1]/v1");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->Base(), "https://[::1]/v1");
  EXPECT_EQ(v6->HostPort(), "[::1]:443");
  auto escaped = ParseProxyUrl("http://h:81/a%2bb");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->Base(), "http://h:81/a%2Bb");
}

TEST(UrlPatternTest, RefusesPatternsThatCouldMatchTooMuch) {
  for (const char* bad :
       {"http://10.0.*/v1x*", "http://gpu-*.example/v1", "http://*@h/v1", "http://h/v1?x=*",
        "http://h/v1#*", "http://[::*]/v1", "http://h:8*/v1", "http://h/v*", "ftp://h/v1",
        "http://h/v1/../x", "*", "http://10.0.*/v1"}) {
    EXPECT_FALSE(UrlPattern::Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(UrlPattern::Parse("http://*.*.*.*:*/v1").ok());
}

TEST(IpAddressTest, ClassifiesInternalRanges) {
  for (const char* internal : {"127.0.0.1",
                               "127.255.0.9",
                               "10.1.2.3",
                               "172.16.0.1",
                               "172.31.255.255",
                               "192.168.1.1",
                               "169.254.169.254",
                               "100.64.0.1",
                               "0.0.0.0",
                               "224.0.0.1",
                               "255.255.255.255",
                               "::1",
                               "::",
                               "fe80::1",
                               "fc00::1",
                               "fd12::1",
                               "ff02::1",
                               "::ffff:127.0.0.1",
                               "::ffff:10.0.0.1",
                               "64:ff9b::a9fe:a9fe",
                               "2002:7f00:1::1"}) {
    auto address = IpAddress::Parse(internal);
    ASSERT_TRUE(address.has_value()) << internal;
    EXPECT_TRUE(IsInternalAddress(*address)) << internal;
  }
  for (const char* external :
       {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    auto address = IpAddress::Parse(external);
    ASSERT_TRUE(address.has_value()) << external;
    EXPECT_FALSE(IsInternalAddress(*address)) << external;
  }
  EXPECT_FALSE(IpAddress::Parse("127.1").has_value());
  EXPECT_FALSE(IpAddress::Parse("010.0.0.1").has_value());
  EXPECT_FALSE(IpAddress::Parse("::1%lo").has_value());
}

}  // namespace
}  // namespace llmsrouter::router
