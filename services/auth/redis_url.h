// redis://[:password@]host[:port][/db]
#ifndef LLMSROUTER_SERVICES_AUTH_REDIS_URL_H_
#define LLMSROUTER_SERVICES_AUTH_REDIS_URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace llmsrouter::auth {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;
  std::string password;
  int db = 0;
};

// INVALID_ARGUMENT naming the problem for anything else than the form above (the message
// never holds the password). User name and password may be %-escaped.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

// `url` with its credentials replaced by "***", for logs and errors.
std::string RedactRedisUrl(std::string_view url);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_REDIS_URL_H_
