#include "services/auth/redis_url.h"

#include "common/strings.h"

namespace llmsrouter::auth {

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  RedisAddress address;
  std::string_view rest = url;
  if (!ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        StrCat("REDIS_URL must look like redis://[:password@]host:port[/db] (got '", url, "')"));
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    size_t colon = credentials.find(':');
    address.username = std::string(credentials.substr(0, colon));
    if (colon != std::string_view::npos)
      address.password = std::string(credentials.substr(colon + 1));
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
      return absl::InvalidArgumentError(StrCat("REDIS_URL port is invalid in '", url, "'"));
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) address.host = std::string(rest);
  return address;
}

}  // namespace llmsrouter::auth
