// A LimitsClient that answers admissions with a set response (or error), synchronously, and
// records what it was asked.
#ifndef LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_LIMITS_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_LIMITS_CLIENT_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/router/limits_client.h"

namespace llmsrouter::router::testing {

class FakeLimitsClient : public LimitsClient {
 public:
  void Admit(auth::v1::AdmitRequest request, AdmitDone done) override {
    absl::StatusOr<auth::v1::AdmitResponse> answer;
    {
      absl::MutexLock lock(&mu_);
      admits_.push_back(std::move(request));
      answer = answer_;
      if (deferred_) {
        pending_.push_back(std::move(done));
        return;
      }
    }
    done(std::move(answer));
  }
  // Deferred: admissions wait for AnswerPending() (as a slow store would).
  void SetDeferred(bool deferred) {
    absl::MutexLock lock(&mu_);
    deferred_ = deferred;
  }
  void AnswerPending() {
    std::vector<AdmitDone> pending;
    absl::StatusOr<auth::v1::AdmitResponse> answer;
    {
      absl::MutexLock lock(&mu_);
      pending.swap(pending_);
      answer = answer_;
    }
    for (AdmitDone& done : pending) done(answer);
  }
  void Settle(auth::v1::SettleRequest request) override {
    absl::MutexLock lock(&mu_);
    settles_.push_back(std::move(request));
  }

  void Renew(auth::v1::RenewRequest request) override {
    absl::MutexLock lock(&mu_);
    renews_.push_back(std::move(request));
  }
  std::vector<auth::v1::RenewRequest> renews() {
    absl::MutexLock lock(&mu_);
    return renews_;
  }

  void SetAnswer(absl::StatusOr<auth::v1::AdmitResponse> answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  std::vector<auth::v1::AdmitRequest> admits() {
    absl::MutexLock lock(&mu_);
    return admits_;
  }
  std::vector<auth::v1::SettleRequest> settles() {
    absl::MutexLock lock(&mu_);
    return settles_;
  }

 private:
  absl::Mutex mu_;
  absl::StatusOr<auth::v1::AdmitResponse> answer_ ABSL_GUARDED_BY(mu_);
  bool deferred_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<AdmitDone> pending_ ABSL_GUARDED_BY(mu_);
  std::vector<auth::v1::AdmitRequest> admits_ ABSL_GUARDED_BY(mu_);
  std::vector<auth::v1::SettleRequest> settles_ ABSL_GUARDED_BY(mu_);
  std::vector<auth::v1::RenewRequest> renews_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router::testing

#endif  // LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_LIMITS_CLIENT_H_
