// Which address a request comes from, for per-client limits: the TCP peer, or — when the peer
// is a trusted reverse proxy (--trusted-proxies) — the address the proxies report in
// X-Forwarded-For or Forwarded.
#ifndef LLMSROUTER_SERVICES_GATEWAY_CLIENT_ADDRESS_H_
#define LLMSROUTER_SERVICES_GATEWAY_CLIENT_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

// A set of CIDR blocks (IPv4 and IPv6). Immutable once parsed; cheap to copy.
class TrustedProxies {
 public:
  // "10.0.0.0/8, 2001:db8::/32, 127.0.0.1": comma-separated blocks or single addresses; ""
  // is the empty set. Host bits under the prefix are ignored. INVALID_ARGUMENT names the bad
  // entry.
  static absl::StatusOr<TrustedProxies> Parse(std::string_view list);

  bool empty() const { return blocks_.empty(); }
  // True when `address` lies in one of the blocks (an IPv4-mapped IPv6 address counts as
  // its IPv4 address).
  bool Contains(const net::ip::address& address) const;

 private:
  struct Block {
    bool v4 = false;
    std::array<uint8_t, 16> bytes{};
    int prefix_bits = 0;
  };
  std::vector<Block> blocks_;
};

// An address as written in X-Forwarded-For or in Forwarded's for= ("1.2.3.4", "1.2.3.4:80",
// "2001:db8::1", "[2001:db8::1]:80", quoted or not); IPv4-mapped IPv6 becomes IPv4. nullopt
// for anything else ("unknown", obfuscated names, junk).
std::optional<net::ip::address> ParseForwardedAddress(std::string_view text);

// The address to key per-client limits on. The TCP `peer` unless it is in `trusted`; then
// the right-most hop of X-Forwarded-For (or, without it, of Forwarded's for= parameters) that
// is not itself a trusted proxy. A hop that cannot be parsed ends the walk at the proxy that
// reported it. `x_forwarded_for` and `forwarded` hold every occurrence of the header, joined
// by commas, in order.
std::string ClientAddress(const TrustedProxies& trusted, std::string_view peer,
                          std::string_view x_forwarded_for, std::string_view forwarded);

// The same, reading the headers (all of their occurrences) from `request`.
std::string ClientAddress(const TrustedProxies& trusted, std::string_view peer,
                          const HttpRequest& request);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_CLIENT_ADDRESS_H_
