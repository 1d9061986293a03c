// REDIS_URL: one Redis, or a master set found through Redis Sentinel.
//   redis://[[user]:password@]host[:port][/db]
//   redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/master-name[/db]
// The credentials are the master's; they are offered to the sentinels too (a sentinel
// without a password ignores them). Sentinel ports default to 26379.
#ifndef LLMSROUTER_COMMON_REDIS_URL_H_
#define LLMSROUTER_COMMON_REDIS_URL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace llmsrouter {

struct RedisEndpoint {
  std::string host;
  int port = 0;
};

struct RedisAddress {
  // The server itself (redis://); unused with sentinels.
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;
  std::string password;
  int db = 0;
  // redis-sentinel://: where to ask for the master of `master_name`.
  std::vector<RedisEndpoint> sentinels;
  std::string master_name;

  bool uses_sentinel() const { return !sentinels.empty(); }
};

// INVALID_ARGUMENT naming the problem for anything else than the forms above (the message
// never holds the password). User name and password may be %-escaped.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

// `url` with its credentials replaced by "***", for logs and errors.
std::string RedactRedisUrl(std::string_view url);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_REDIS_URL_H_
