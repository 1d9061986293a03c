// Key checks with a decision cache: no store round trip for a key already seen, a bounded
// negative cache for unknown keys, a per-client limit on failed attempts, and invalidation
// by the store's version counter.
//
// The failure limit never refuses a valid key: a client address past the limit ("blocked")
// still passes with a key known good from the cache, and fresh keys from it are still looked
// up, at a slow bounded rate (a token bucket per address), so a user behind a shared address
// (an ingress, a NAT) whose key is not cached gets through. Failed keys from a blocked
// address are answered RESOURCE_EXHAUSTED.
#ifndef LLMSROUTER_SERVICES_AUTH_AUTHENTICATOR_H_
#define LLMSROUTER_SERVICES_AUTH_AUTHENTICATOR_H_

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth_info.h"
#include "common/clock.h"
#include "services/auth/user_store.h"

namespace llmsrouter::auth {

struct AuthenticatorOptions {
  // Unknown keys remembered (bounded, oldest forgotten first).
  size_t negative_cache_size = 10000;
  absl::Duration negative_ttl = absl::Seconds(30);
  // A known key's decision is re-read at least this often even without a version change.
  absl::Duration positive_ttl = absl::Minutes(5);
  // Failed attempts allowed per client per window; beyond, the client is blocked: failures
  // get RESOURCE_EXHAUSTED and fresh keys are looked up at most at the rate below.
  int max_failures = 20;
  absl::Duration failure_window = absl::Minutes(1);
  // Store lookups of uncached keys a blocked client still gets: refill rate and burst.
  double blocked_lookups_per_second = 2;
  double blocked_lookup_burst = 2;
  size_t max_tracked_clients = 10000;
};

// Thread-safe.
class Authenticator {
 public:
  Authenticator(UserStore* store, const Clock* clock, AuthenticatorOptions options = {});

  // Decides from memory when it can (no I/O); nullopt means Lookup is needed.
  std::optional<absl::StatusOr<AuthInfo>> TryCached(const std::string& api_key,
                                                    const std::string& client);
  // Blocking: asks the store and caches the answer. UNAUTHENTICATED for a missing, unknown or
  // disabled key; RESOURCE_EXHAUSTED for a failed key (or an uncached key beyond the lookup
  // rate) from a client past the failed-attempt limit; UNAVAILABLE when the store is
  // unreachable.
  absl::StatusOr<AuthInfo> Lookup(const std::string& api_key, const std::string& client);
  // Drops the cached decisions read before `version` (all of them when the version went
  // back: the store was reset). A decision read at `version` or later stays: a poll that
  // sees a change only after a lookup already read it does not throw the lookup away.
  void ObserveVersion(int64_t version);
  // Drops every cached decision (this replica changed a user: its next answer is fresh).
  void DropCached();

  size_t hits() const;
  size_t misses() const;

 private:
  struct Entry {
    std::optional<User> user;  // nullopt: no such key
    absl::Time expires;
    int64_t version;  // the store's version the decision was read at
  };
  // `blocked`: the client was past the failure limit before this attempt.
  absl::StatusOr<AuthInfo> Decide(const std::optional<User>& user, const std::string& api_key,
                                  const std::string& client, bool blocked)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A failed attempt: counted; the answer is `why` or, when blocked, RESOURCE_EXHAUSTED.
  absl::Status Failure(const std::string& client, bool blocked, absl::Status why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordFailure(const std::string& client) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Blocked(const std::string& client) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // For a blocked client: whether a store lookup is allowed now; `take` spends it.
  bool LookupAllowed(const std::string& client, bool take) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remember(const std::string& hash, const KeyOwner& owner) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the cached decisions read before `version` (all with nullopt).
  void DropOlderThan(std::optional<int64_t> version) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  UserStore* store_;
  const Clock* clock_;
  AuthenticatorOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);  // by key hash
  std::deque<std::string> negative_order_ ABSL_GUARDED_BY(mu_);
  size_t negative_count_ ABSL_GUARDED_BY(mu_) = 0;
  struct Failures {
    int count = 0;
    absl::Time window_start;
    // Lookup tokens while blocked (filled when the client becomes blocked).
    double tokens = 0;
    absl::Time refilled;
  };
  std::map<std::string, Failures> failures_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> version_ ABSL_GUARDED_BY(mu_);
  size_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  size_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_AUTHENTICATOR_H_
