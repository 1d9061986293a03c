// Name resolution behind an interface, and the address classes an ad-hoc ?proxy= URL may not
// reach unless the operator names them.
#ifndef LLMSROUTER_SERVICES_ROUTER_HOST_RESOLVER_H_
#define LLMSROUTER_SERVICES_ROUTER_HOST_RESOLVER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace llmsrouter::router {

// An IPv4 or IPv6 address.
struct IpAddress {
  bool v6 = false;
  // IPv4 uses the first 4 bytes.
  std::array<uint8_t, 16> bytes{};

  // Only the canonical forms: dotted quad ("127.0.0.1", no leading zeros, no shorthand) or an
  // IPv6 literal without brackets or zone ("::1"). nullopt for anything else.
  static std::optional<IpAddress> Parse(std::string_view text);
  // "127.0.0.1" / "::1" (as inet_ntop writes it).
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified,
// multicast, broadcast and reserved ranges; IPv4-mapped and NAT64 IPv6 addresses are judged by
// the IPv4 address they carry.
bool IsInternalAddress(const IpAddress& address);

class HostResolver {
 public:
  virtual ~HostResolver() = default;
  // Every address of `host` (a DNS name, not a literal). Blocks until the lookup ends.
  // Thread-safe. NOT_FOUND when the name has no address, UNAVAILABLE when the lookup fails.
  virtual absl::StatusOr<std::vector<IpAddress>> Resolve(std::string_view host) = 0;
};

// The system resolver (getaddrinfo).
class GetaddrinfoResolver : public HostResolver {
 public:
  absl::StatusOr<std::vector<IpAddress>> Resolve(std::string_view host) override;
  static GetaddrinfoResolver& Get();
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_HOST_RESOLVER_H_
