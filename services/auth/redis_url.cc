#include "services/auth/redis_url.h"

#include "common/strings.h"

namespace llmsrouter::auth {
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
  if (!ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        StrCat("REDIS_URL must look like redis://[:password@]host:port[/db] (got '",
               RedactRedisUrl(url), "')"));
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    size_t colon = credentials.find(':');
    std::string_view password =
        colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1);
    if (!PercentDecode(credentials.substr(0, colon), &address.username) ||
        !PercentDecode(password, &address.password)) {
      return absl::InvalidArgumentError("REDIS_URL has a malformed %-escape in its credentials");
    }
  }
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty() && (!ParseInt(db, &address.db) || address.db < 0)) {
      return absl::InvalidArgumentError(
          StrCat("REDIS_URL database must be a number (got '", db, "')"));
    }
  }
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(rest.substr(colon + 1), &address.port) || address.port <= 0 ||
        address.port > 65535) {
      return absl::InvalidArgumentError(
          StrCat("REDIS_URL port is invalid in '", RedactRedisUrl(url), "'"));
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) address.host = std::string(rest);
  return address;
}

}  // namespace llmsrouter::auth
