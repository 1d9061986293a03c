// Keeps the leases of long calls alive (docs/LIMITS.md): their parallel slots and reservation
// records. Every admitted call of a limited user is registered here until it ends; every call due
// (a third of its lease since admission or its last renewal) is renewed in one batched Renew to the
// limits service.
#ifndef LLMSROUTER_SERVICES_ROUTER_LEASE_RENEWER_H_
#define LLMSROUTER_SERVICES_ROUTER_LEASE_RENEWER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "services/router/limits_client.h"

namespace llmsrouter::router {

// Thread-safe. The client and clock are not owned and must outlive the renewer.
class LeaseRenewer {
 public:
  LeaseRenewer(LimitsClient* client, const Clock* clock) : client_(client), clock_(clock) {}

  // The call holds a lease of `lease` from now: renewed every lease/3 until Remove.
  void Add(const std::string& user, const std::string& call_id, absl::Duration lease);
  // The call ended (its settlement frees the lease). Unknown ids are ignored.
  void Remove(const std::string& call_id);
  // Sends one Renew with every call due now, if any (the periodic thread calls it, every
  // second; never under the lock).
  void RenewDue();
  size_t size() const;

 private:
  struct Entry {
    std::string user;
    absl::Duration every;
    absl::Time due;
  };
  LimitsClient* client_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_LEASE_RENEWER_H_
