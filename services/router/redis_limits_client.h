// LimitsClient straight on Redis (the router's own connection): the admission and settlement
// scripts of common/limits run through a PipelinedRedis, with no hop through the auth
// service. Same semantics as GrpcLimitsClient + auth's LimitsService (docs/LIMITS.md).
#ifndef LLMSROUTER_SERVICES_ROUTER_REDIS_LIMITS_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_REDIS_LIMITS_CLIENT_H_

#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/redis/pipelined_redis.h"
#include "services/router/limits_client.h"

namespace llmsrouter::router {

struct RedisLimitsOptions {
  // Key prefix (the auth service's, "llmsrouter:").
  std::string prefix = "llmsrouter:";
  // An admission not sent by then is not sent (DEADLINE_EXCEEDED). Settlements and releases
  // have no deadline: they are always sent.
  absl::Duration deadline = absl::Seconds(1);
  // As auth's LimitStoreOptions.
  absl::Duration parallel_lease = absl::Minutes(10);
  absl::Duration usage_retention = absl::Hours(24 * 400);
};

class RedisLimitsClient : public LimitsClient {
 public:
  // `redis` and `clock` are not owned and must outlive the client.
  RedisLimitsClient(PipelinedRedis* redis, const Clock& clock, RedisLimitsOptions options)
      : redis_(redis), clock_(clock), options_(std::move(options)) {}

  // `done` runs on the Redis thread (or inside this call when the queue is full or stopped).
  void Admit(auth::v1::AdmitRequest request, AdmitDone done) override;
  void Settle(auth::v1::SettleRequest request) override;
  // Runs the renewal script; no deadline, as settlements.
  void Renew(auth::v1::RenewRequest request) override;

 private:
  PipelinedRedis* redis_;
  const Clock& clock_;
  RedisLimitsOptions options_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_REDIS_LIMITS_CLIENT_H_
