// Connections to "the" Redis: the server a redis:// URL names, or the current master of a
// Sentinel-managed set (redis-sentinel://). Every service that talks to Redis connects through
// this, so all of them follow a failover the same way.
#ifndef LLMSROUTER_COMMON_REDIS_CONNECTOR_H_
#define LLMSROUTER_COMMON_REDIS_CONNECTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis_url.h"

struct redisContext;
struct redisReply;

namespace llmsrouter {

struct RedisContextDeleter {
  void operator()(redisContext* context) const;
};
using RedisContextPtr = std::unique_ptr<redisContext, RedisContextDeleter>;
struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Runs one command (binary-safe arguments) on a blocking connection. Null on connection
// trouble (`context->errstr` says what); an error reply is a reply of type REDIS_REPLY_ERROR.
RedisReplyPtr RedisCommand(redisContext* context, const std::vector<std::string>& args);

class RedisConnector {
 public:
  struct Options {
    RedisAddress address;
    // Per connect (each sentinel, then the master).
    absl::Duration connect_timeout = absl::Milliseconds(500);
    // Per command, on the connections returned.
    absl::Duration command_timeout = absl::Seconds(1);
  };
  explicit RedisConnector(Options options) : options_(std::move(options)) {}

  // A new blocking connection with AUTH and SELECT done and TCP keepalive on. With sentinels:
  // asks them in turn for the master's address, connects and checks with ROLE that it is the
  // master (never a replica, e.g. in the middle of a failover). UNAVAILABLE saying why
  // (unreachable, refused AUTH/PING, no sentinel knows the master, not a master). Thread-safe;
  // blocks for up to a few connect timeouts.
  absl::StatusOr<RedisContextPtr> Connect() const;

  // True for an error reply that says this server is no longer (or not yet) a writable
  // master: READONLY (demoted to a replica), MASTERDOWN, LOADING. The command was not run;
  // drop the connection, Connect() again and retry.
  static bool IsFailoverReply(const redisReply* reply);

  // "host:port" or "master 'name' via sentinels", for logs (never the password).
  std::string Describe() const;
  const RedisAddress& address() const { return options_.address; }

 private:
  absl::StatusOr<RedisEndpoint> AskSentinels() const;
  absl::StatusOr<RedisContextPtr> ConnectTo(const RedisEndpoint& endpoint, bool master) const;

  Options options_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_REDIS_CONNECTOR_H_
