#include "services/router/lease_renewer.h"

namespace llmsrouter::router {

void LeaseRenewer::Add(const std::string& user, const std::string& call_id, absl::Duration lease) {
  absl::Duration every = lease / 3;
  absl::MutexLock lock(&mu_);
  calls_[call_id] = Entry{user, every, clock_->Now() + every};
}

void LeaseRenewer::Remove(const std::string& call_id) {
  absl::MutexLock lock(&mu_);
  calls_.erase(call_id);
}

size_t LeaseRenewer::size() const {
  absl::MutexLock lock(&mu_);
  return calls_.size();
}

void LeaseRenewer::RenewDue() {
  auth::v1::RenewRequest request;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    for (auto& [call_id, entry] : calls_) {
      if (entry.due > now || request.leases_size() >= 10000) continue;
      auth::v1::RenewLease* lease = request.add_leases();
      lease->set_user(entry.user);
      lease->set_call_id(call_id);
      entry.due = now + entry.every;
    }
  }
  if (request.leases_size() > 0) client_->Renew(std::move(request));
}

}  // namespace llmsrouter::router
