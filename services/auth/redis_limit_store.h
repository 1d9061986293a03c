// LimitStore on the auth service's Redis connection: one EVALSHA for admission, one for
// settlement (scripts in common/limits/limit_scripts.cc, explained in docs/LIMITS.md).
#ifndef LLMSROUTER_SERVICES_AUTH_REDIS_LIMIT_STORE_H_
#define LLMSROUTER_SERVICES_AUTH_REDIS_LIMIT_STORE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/auth/limit_store.h"
#include "services/auth/redis_user_store.h"

namespace llmsrouter::auth {

struct LimitStoreOptions {
  // A parallel slot whose call never settled (its replica crashed) is free after this.
  absl::Duration parallel_lease = absl::Minutes(10);
  // How long daily spend records are kept.
  absl::Duration usage_retention = absl::Hours(24 * 400);
};

class RedisLimitStore : public LimitStore {
 public:
  // `redis` is not owned and must outlive the store.
  RedisLimitStore(RedisUserStore* redis, LimitStoreOptions options)
      : redis_(redis), options_(options) {}

  absl::StatusOr<v1::AdmitResponse> Admit(const v1::AdmitRequest& request, int64_t now_ms) override;
  absl::Status Settle(const v1::SettleRequest& request, int64_t now_ms) override;
  absl::StatusOr<v1::GetUsageResponse> Usage(const v1::GetUsageRequest& request) override;

 private:
  // EVALSHA, loading the script with EVAL when Redis does not know it yet.
  absl::StatusOr<RedisUserStore::Reply> Eval(const std::string& script, const std::string& sha,
                                             std::vector<std::string> args);

  RedisUserStore* redis_;
  LimitStoreOptions options_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_REDIS_LIMIT_STORE_H_
