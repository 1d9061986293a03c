// The limits gRPC service for the router: admission and settlement of calls against the
// users' limits, and spend recording (docs/LIMITS.md). Store calls run on the auth worker
// pool, never on gRPC threads.
#ifndef LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_
#define LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_

#include "llmsrouter/auth/v1/auth.grpc.pb.h"
#include "services/auth/auth_service.h"

namespace llmsrouter::auth {

// Needs deps.limits. Errors: INVALID_ARGUMENT (no user or call id), UNAVAILABLE (store
// unreachable or worker queue full).
class LimitsService final : public v1::LimitsService::CallbackService {
 public:
  explicit LimitsService(AuthDeps deps) : deps_(deps) {}
  grpc::ServerUnaryReactor* Admit(grpc::CallbackServerContext* context,
                                  const v1::AdmitRequest* request,
                                  v1::AdmitResponse* response) override;
  grpc::ServerUnaryReactor* Settle(grpc::CallbackServerContext* context,
                                   const v1::SettleRequest* request,
                                   v1::SettleResponse* response) override;

 private:
  AuthDeps deps_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_
