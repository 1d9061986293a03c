// UserStore on Redis (hiredis). Schema: docs/AUTH.md. Multi-key changes run as Lua scripts,
// so two admins or replicas racing cannot leave a half-made user or a stale key behind.
#ifndef LLMSROUTER_SERVICES_AUTH_REDIS_USER_STORE_H_
#define LLMSROUTER_SERVICES_AUTH_REDIS_USER_STORE_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis_connector.h"
#include "services/auth/user_store.h"

namespace llmsrouter::auth {

class RedisUserStore : public UserStore {
 public:
  struct Options {
    RedisAddress address;
    absl::Duration connect_timeout = absl::Milliseconds(500);
    absl::Duration command_timeout = absl::Seconds(1);
    // After a failed connect, calls fail fast for this long instead of reconnecting.
    absl::Duration reconnect_backoff = absl::Milliseconds(200);
    std::string prefix = "llmsrouter:";
  };
  explicit RedisUserStore(Options options);
  ~RedisUserStore() override;

  absl::StatusOr<KeyOwner> FindByKeyHash(const std::string& key_hash) override;
  absl::Status AddUser(const User& user) override;
  absl::StatusOr<std::vector<User>> ListUsers() override;
  absl::StatusOr<User> GetUser(const std::string& name) override;
  absl::StatusOr<User> ModifyUser(const std::string& name, const UserChanges& changes,
                                  int64_t now_unix) override;
  absl::Status DeleteUser(const std::string& name) override;
  absl::StatusOr<User> RotateKey(const std::string& name, const std::string& key_hash,
                                 const std::string& key_hint, int64_t now_unix) override;
  absl::Status SetBypass(const std::string& name, const std::string& model) override;
  absl::Status AppendAudit(const std::string& line, size_t keep) override;
  absl::StatusOr<std::vector<std::string>> RecentAudit(size_t limit) override;
  absl::StatusOr<int64_t> Version() override;

  using Reply = RedisReplyPtr;

  // Runs one command on a pooled connection (also for the limit store, which shares the
  // connection). Blocking, bounded by the timeouts. UNAVAILABLE on connection trouble; a
  // Redis error reply comes back as a reply of type error.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);
  const std::string& prefix() const { return options_.prefix; }

 private:
  // A connection and the pool generation it was made in (a failover starts a new one).
  struct Pooled {
    redisContext* context;
    uint64_t generation;
  };
  absl::StatusOr<Pooled> Acquire();
  absl::Status Unreachable() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Back to the pool; `healthy` false closes it and every idle connection (same server).
  void Release(Pooled pooled, bool healthy);

  std::string UserKey(const std::string& name) const { return options_.prefix + "user:" + name; }
  std::string KeyKey(const std::string& hash) const { return options_.prefix + "key:" + hash; }

  Options options_;
  RedisConnector connector_;
  absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point next_connect_ ABSL_GUARDED_BY(mu_);
  // Why the last connect failed; repeated while the reconnect backoff runs.
  std::string last_connect_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_REDIS_USER_STORE_H_
