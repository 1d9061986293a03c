// The auth service's wiring: Redis store, authenticator, version poller and the gRPC
// services, used by llmsrouter-auth and the all-in-one binary alike.
#ifndef LLMSROUTER_SERVICES_AUTH_AUTH_APP_H_
#define LLMSROUTER_SERVICES_AUTH_AUTH_APP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/periodic_thread.h"
#include "services/auth/admin_service.h"
#include "services/auth/auth_service.h"
#include "services/auth/limits_service.h"
#include "services/auth/redis_limit_store.h"
#include "services/auth/redis_user_store.h"

namespace llmsrouter::auth {

struct AuthAppOptions {
  std::string redis_url = "redis://127.0.0.1:6379/0";
  AdminOptions admin;
  // How often every replica checks the store's version (revocations apply within this plus
  // the gateway's cache time).
  absl::Duration version_poll = absl::Milliseconds(200);
  int workers = 4;
  // Store calls that may wait for a worker; beyond it calls fail UNAVAILABLE at once.
  size_t max_queued = WorkerPool::kDefaultMaxQueued;
  LimitStoreOptions limits;
  // Who may call the LimitsService (the router): its service token or certificate name.
  // Nobody when empty.
  TrustPolicy limits_callers;
};

class AuthApp {
 public:
  // INVALID_ARGUMENT for a malformed REDIS_URL. Redis may be down: the app starts and
  // answers UNAVAILABLE until it is back.
  static absl::StatusOr<std::unique_ptr<AuthApp>> Create(AuthAppOptions options);

  // Every service (llmsrouter-auth serves them all on its listener).
  std::vector<grpc::Service*> services() {
    return {&auth_service_, &admin_service_, &limits_service_};
  }
  // The services direct clients may reach, without the LimitsService (the all-in-one's
  // public listener), and that one alone.
  std::vector<grpc::Service*> public_services() { return {&auth_service_, &admin_service_}; }
  grpc::Service* limits_service() { return &limits_service_; }
  Authenticator& authenticator() { return authenticator_; }

 private:
  AuthApp(AuthAppOptions options, RedisAddress address);
  void PollVersion();
  AuthDeps Deps();

  AuthAppOptions options_;
  RedisUserStore store_;
  RedisLimitStore limit_store_;
  Authenticator authenticator_;
  WorkerPool workers_;
  AuthService auth_service_;
  AdminService admin_service_;
  CallerTrust limits_trust_;
  LimitsService limits_service_;
  bool store_down_ = false;  // touched by the poller thread only
  std::unique_ptr<PeriodicThread> poller_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_AUTH_APP_H_
