#include "services/gateway/client_address.h"

#include "common/strings.h"

namespace llmsrouter::gateway {
namespace {

net::ip::address Unmapped(const net::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<net::ip::address> ParseIp(std::string_view text) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return Unmapped(address);
}

std::array<uint8_t, 16> BytesOf(const net::ip::address& address) {
  std::array<uint8_t, 16> out{};
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
  } else {
    auto b = address.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
  }
  return out;
}

bool SamePrefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i) {
    if (a[i] != b[i]) return false;
  }
  if (bits == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
  return (a[i] & mask) == (b[i] & mask);
}

// The for= values of a Forwarded header, left to right.
std::vector<std::string_view> ForwardedFor(std::string_view forwarded) {
  std::vector<std::string_view> hops;
  for (std::string_view element : Split(forwarded, ',')) {
    for (std::string_view pair : Split(element, ';')) {
      pair = Trim(pair);
      if (pair.size() > 4 && Lower(pair.substr(0, 4)) == "for=") hops.push_back(pair.substr(4));
    }
  }
  return hops;
}

std::string HeaderValues(const HttpRequest& request, std::string_view name) {
  std::string out;
  auto [begin, end] = request.equal_range(beast::string_view(name.data(), name.size()));
  for (auto it = begin; it != end; ++it) {
    if (!out.empty()) out.push_back(',');
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies out;
  for (std::string_view entry : Split(list, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    size_t slash = entry.find('/');
    auto address = ParseIp(entry.substr(0, slash));
    if (!address) {
      return absl::InvalidArgumentError(
          StrCat("--trusted-proxies: '", entry, "' is not an IP address or CIDR block"));
    }
    Block block;
    block.v4 = address->is_v4();
    block.bytes = BytesOf(*address);
    int max_bits = block.v4 ? 32 : 128;
    block.prefix_bits = max_bits;
    if (slash != std::string_view::npos &&
        (!ParseInt(entry.substr(slash + 1), &block.prefix_bits) || block.prefix_bits < 0 ||
         block.prefix_bits > max_bits)) {
      return absl::InvalidArgumentError(
          StrCat("--trusted-proxies: the prefix length of '", entry, "' must be 0 to ", max_bits));
    }
    out.blocks_.push_back(block);
  }
  return out;
}

bool TrustedProxies::Contains(const net::ip::address& raw) const {
  net::ip::address address = Unmapped(raw);
  std::array<uint8_t, 16> bytes = BytesOf(address);
  for (const Block& block : blocks_) {
    if (block.v4 == address.is_v4() && SamePrefix(block.bytes, bytes, block.prefix_bits)) {
      return true;
    }
  }
  return false;
}

std::optional<net::ip::address> ParseForwardedAddress(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    int port = 0;
    if (!rest.empty() && (rest[0] != ':' || !ParseInt(rest.substr(1), &port))) return std::nullopt;
    return ParseIp(text.substr(1, close - 1));
  }
  // One colon: IPv4 with a port. More: a bare IPv6 address.
  size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    int port = 0;
    if (!ParseInt(text.substr(colon + 1), &port)) return std::nullopt;
    text = text.substr(0, colon);
  }
  return ParseIp(text);
}

std::string ClientAddress(const TrustedProxies& trusted, std::string_view peer,
                          std::string_view x_forwarded_for, std::string_view forwarded) {
  if (trusted.empty()) return std::string(peer);
  auto current = ParseIp(peer);
  if (!current || !trusted.Contains(*current)) return std::string(peer);
  std::vector<std::string_view> hops;
  if (!Trim(x_forwarded_for).empty()) {
    hops = Split(x_forwarded_for, ',');
  } else if (!Trim(forwarded).empty()) {
    hops = ForwardedFor(forwarded);
  }
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    auto address = ParseForwardedAddress(*hop);
    if (!address) break;
    current = *address;
    if (!trusted.Contains(*current)) break;
  }
  return current->to_string();
}

std::string ClientAddress(const TrustedProxies& trusted, std::string_view peer,
                          const HttpRequest& request) {
  if (trusted.empty()) return std::string(peer);
  return ClientAddress(trusted, peer, HeaderValues(request, "X-Forwarded-For"),
                       HeaderValues(request, "Forwarded"));
}

}  // namespace llmsrouter::gateway
