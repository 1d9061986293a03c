#include "common/redis_url.h"

#include "common/strings.h"

namespace llmsrouter {
namespace {

// %XX escapes (a password may hold '@', ':' or '/'); false on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= in.size() || !ParseInt(in.substr(i + 1, 2), &value, 16)) return false;
    out->push_back(static_cast<char>(value));
    i += 2;
  }
  return true;
}

constexpr int kSentinelPort = 26379;

// "[user][:password]@" at the front of `rest`, if any.
absl::Status ConsumeCredentials(std::string_view* rest, RedisAddress* address) {
  size_t at = rest->rfind('@');
  if (at == std::string_view::npos) return absl::OkStatus();
  std::string_view credentials = rest->substr(0, at);
  rest->remove_prefix(at + 1);
  size_t colon = credentials.find(':');
  std::string_view password =
      colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1);
  if (!PercentDecode(credentials.substr(0, colon), &address->username) ||
      !PercentDecode(password, &address->password)) {
    return absl::InvalidArgumentError("REDIS_URL has a malformed %-escape in its credentials");
  }
  return absl::OkStatus();
}

// "host[:port]"; what is absent keeps the value `endpoint` came with.
absl::Status ParseHostPort(std::string_view text, std::string_view url, RedisEndpoint* endpoint) {
  if (size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(text.substr(colon + 1), &endpoint->port) || endpoint->port <= 0 ||
        endpoint->port > 65535) {
      return absl::InvalidArgumentError(
          StrCat("REDIS_URL port is invalid in '", RedactRedisUrl(url), "'"));
    }
    text = text.substr(0, colon);
  }
  if (!text.empty()) endpoint->host = std::string(text);
  return absl::OkStatus();
}

}  // namespace

std::string RedactRedisUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t at = url.rfind('@');
  if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme) {
    return std::string(url);
  }
  return StrCat(url.substr(0, scheme + 3), "***@", url.substr(at + 1));
}

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  RedisAddress address;
  std::string_view rest = url;
  bool sentinel = ConsumePrefix(&rest, "redis-sentinel://");
  if (!sentinel && !ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        StrCat("REDIS_URL must look like redis://[:password@]host:port[/db] or "
               "redis-sentinel://[:password@]host:port[,host:port...]/master-name[/db] (got '",
               RedactRedisUrl(url), "')"));
  }
  if (auto s = ConsumeCredentials(&rest, &address); !s.ok()) return s;
  std::string_view path;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (sentinel) {
    size_t slash = path.find('/');
    address.master_name = std::string(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (address.master_name.empty()) {
      return absl::InvalidArgumentError(
          "REDIS_URL redis-sentinel:// needs the master set's name: "
          "redis-sentinel://host:port[,host:port...]/master-name[/db]");
    }
  }
  if (!path.empty() && (!ParseInt(path, &address.db) || address.db < 0)) {
    return absl::InvalidArgumentError(
        StrCat("REDIS_URL database must be a number (got '", path, "')"));
  }
  if (!sentinel) {
    RedisEndpoint server{address.host, address.port};
    if (auto s = ParseHostPort(rest, url, &server); !s.ok()) return s;
    address.host = server.host;
    address.port = server.port;
    return address;
  }
  for (std::string_view part : Split(rest, ',')) {
    if (Trim(part).empty()) {
      return absl::InvalidArgumentError("REDIS_URL names an empty sentinel address");
    }
    RedisEndpoint endpoint{"127.0.0.1", kSentinelPort};
    if (auto s = ParseHostPort(Trim(part), url, &endpoint); !s.ok()) return s;
    address.sentinels.push_back(std::move(endpoint));
  }
  return address;
}

}  // namespace llmsrouter
