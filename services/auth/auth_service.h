// The auth gRPC service for the gateway and the router: key checks (hot path) and User-Bypass.
// AdminService (user management) is in admin_service.h.
#ifndef LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_
#define LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_

#include <string>

#include "common/clock.h"
#include "common/worker_pool.h"
#include "llmsrouter/auth/v1/auth.grpc.pb.h"
#include "services/auth/authenticator.h"
#include "services/auth/limit_store.h"
#include "services/auth/user_store.h"

namespace llmsrouter::auth {

// Not owned; all must outlive the services.
struct AuthDeps {
  UserStore* store = nullptr;
  Authenticator* authenticator = nullptr;
  WorkerPool* workers = nullptr;  // store calls run here, never on gRPC threads
  const Clock* clock = &SystemClock::Get();
  LimitStore* limits = nullptr;  // admission, settlement, spend (null: LimitsService off)
};

class AuthService final : public v1::AuthService::CallbackService {
 public:
  explicit AuthService(AuthDeps deps) : deps_(deps) {}
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* context,
                                         const v1::AuthenticateRequest* request,
                                         v1::AuthenticateResponse* response) override;
  grpc::ServerUnaryReactor* SetBypass(grpc::CallbackServerContext* context,
                                      const v1::SetBypassRequest* request,
                                      v1::BypassResponse* response) override;
  grpc::ServerUnaryReactor* GetBypass(grpc::CallbackServerContext* context,
                                      const v1::GetBypassRequest* request,
                                      v1::BypassResponse* response) override;

 private:
  absl::StatusOr<std::string> KeyOwner(const std::string& api_key, const std::string& claimed,
                                       const std::string& client);

  AuthDeps deps_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_
