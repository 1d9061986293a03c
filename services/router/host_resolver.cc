#include "services/router/host_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "common/strings.h"

namespace llmsrouter::router {
namespace {

bool InV4Range(const uint8_t* a, uint32_t prefix, int bits) {
  uint32_t value = (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) | (uint32_t{a[2]} << 8) | a[3];
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (value & mask) == (prefix & mask);
}

bool IsInternalV4(const uint8_t* a) {
  static constexpr struct {
    uint32_t prefix;
    int bits;
  } kRanges[] = {
      {0x00000000, 8},   // "this network"
      {0x0A000000, 8},   // 10/8
      {0x64400000, 10},  // 100.64/10 carrier-grade NAT
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // link-local (cloud metadata lives here)
      {0xAC100000, 12},  // 172.16/12
      {0xC0000000, 24},  // 192.0.0/24 protocol assignments
      {0xC0A80000, 16},  // 192.168/16
      {0xC6120000, 15},  // 198.18/15 benchmarking
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved and broadcast
  };
  for (const auto& range : kRanges) {
    if (InV4Range(a, range.prefix, range.bits)) return true;
  }
  return false;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string copy(text);
  IpAddress address;
  if (text.find(':') != std::string_view::npos) {
    address.v6 = true;
    if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
    return address;
  }
  // inet_pton(AF_INET) accepts only the dotted quad; leading zeros are refused below because
  // other parsers read them as octal.
  if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
  for (std::string_view part : Split(text, '.')) {
    if (part.size() > 1 && part.front() == '0') return std::nullopt;
  }
  return address;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof(text));
  return text;
}

bool IsInternalAddress(const IpAddress& address) {
  const uint8_t* b = address.bytes.data();
  if (!address.v6) return IsInternalV4(b);
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  static constexpr uint8_t kZero[12] = {0};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0) {
    return IsInternalV4(b + 12);
  }
  if (std::memcmp(b, kZero, 12) == 0) return true;         // ::, ::1 and IPv4-compatible
  if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;  // fec0::/10 site-local
  if (b[0] == 0xff) return true;                           // multicast
  if (b[0] == 0x20 && b[1] == 0x02) {                      // 6to4 carries an IPv4 address
    return IsInternalV4(b + 2);
  }
  return false;
}

absl::StatusOr<std::vector<IpAddress>> GetaddrinfoResolver::Resolve(std::string_view host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string name(host);
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc == EAI_NONAME || rc == EAI_NODATA) {
    return absl::NotFoundError(StrCat("host '", host, "' has no address"));
  }
  if (rc != 0) {
    return absl::UnavailableError(StrCat("cannot resolve '", host, "': ", gai_strerror(rc)));
  }
  std::vector<IpAddress> addresses;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    IpAddress address;
    if (ai->ai_family == AF_INET) {
      std::memcpy(address.bytes.data(),
                  &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
    } else if (ai->ai_family == AF_INET6) {
      address.v6 = true;
      std::memcpy(address.bytes.data(),
                  &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(address);
    }
  }
  freeaddrinfo(list);
  if (addresses.empty()) return absl::NotFoundError(StrCat("host '", host, "' has no address"));
  return addresses;
}

GetaddrinfoResolver& GetaddrinfoResolver::Get() {
  static GetaddrinfoResolver resolver;
  return resolver;
}

}  // namespace llmsrouter::router
