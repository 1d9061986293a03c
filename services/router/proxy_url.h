// URLs in ?proxy= and the proxy.allow_urls patterns they must match, parsed strictly so that
// no spelling can make a URL look allowed while it reaches another host, port or path.
#ifndef LLMSROUTER_SERVICES_ROUTER_PROXY_URL_H_
#define LLMSROUTER_SERVICES_ROUTER_PROXY_URL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/router/host_resolver.h"

namespace llmsrouter::router {

struct ProxyUrl {
  std::string scheme;  // "http" or "https"
  // Lower-case DNS name, dotted quad, or IPv6 literal (without brackets).
  std::string host;
  // Set when the host is an IP literal.
  std::optional<IpAddress> address;
  int port = 0;  // explicit or the scheme's default
  // Path segments, none empty, none "." or ".."; unreserved characters percent-decoded,
  // other escapes upper-cased.
  std::vector<std::string> path;

  // scheme://host[:port]/seg/seg — the normalised URL that goes upstream (the port only when
  // it is not the scheme's default).
  std::string Base() const;
  // "host:port" as libcurl's CURLOPT_RESOLVE wants it before the addresses.
  std::string HostPort() const;
};

// A base URL from a client. Refused (INVALID_ARGUMENT naming the reason): a scheme other than
// lower-case http or https; userinfo ('@' anywhere); a query or fragment; backslashes,
// spaces, control or non-ASCII bytes; a host that is not a plain DNS name, a canonical dotted
// quad or a bracketed IPv6 literal (no zone, no octal/hex/short IPv4 spellings, no numeric
// last label); an empty or out-of-range port; empty, "." or ".." path segments; escapes of
// '/', '?', '#', '@', '\', '.', '%' or control bytes. Trailing slashes are ignored.
absl::StatusOr<ProxyUrl> ParseProxyUrl(std::string_view text);

// One proxy.allow_urls entry: a URL in which '*' may stand for one whole host label, the
// whole port, or one whole path segment. Scheme, host and port must match exactly; the path
// is a prefix on segments ("http://h/v1" allows "http://h/v1" and "http://h/v1/x").
class UrlPattern {
 public:
  // INVALID_ARGUMENT for anything ParseProxyUrl refuses, and for a '*' inside a label,
  // segment or IPv6 literal.
  static absl::StatusOr<UrlPattern> Parse(std::string_view text);

  bool Matches(const ProxyUrl& url) const;

 private:
  std::string scheme_;
  std::optional<IpAddress> address_;  // an IPv6 pattern host
  std::vector<std::string> labels_;   // otherwise; "*" matches one label
  std::optional<int> port_;           // nullopt: any port
  std::vector<std::string> path_;     // "*" matches one segment
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_PROXY_URL_H_
