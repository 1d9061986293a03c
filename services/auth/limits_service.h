// The limits gRPC service for the router: admission and settlement of calls against the
// users' limits, and spend recording (docs/LIMITS.md). Store calls run on the auth worker
// pool, never on gRPC threads.
#ifndef LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_
#define LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_

#include "common/service_identity.h"
#include "llmsrouter/auth/v1/auth.grpc.pb.h"
#include "services/auth/auth_service.h"

namespace llmsrouter::auth {

// Needs deps.limits. Only the router may call it: a caller `trust` does not recognise (service
// token or mTLS certificate, common/service_identity.h) is refused PERMISSION_DENIED before
// any work; a null `trust` trusts every caller, for a server reached in-process only (the
// all-in-one's). Errors: INVALID_ARGUMENT (no user or call id), UNAVAILABLE (store
// unreachable or worker queue full), DEADLINE_EXCEEDED/CANCELLED (an admission whose caller
// gave up before a worker took it is not made).
class LimitsService final : public v1::LimitsService::CallbackService {
 public:
  LimitsService(AuthDeps deps, const CallerTrust* trust) : deps_(deps), trust_(trust) {}
  grpc::ServerUnaryReactor* Admit(grpc::CallbackServerContext* context,
                                  const v1::AdmitRequest* request,
                                  v1::AdmitResponse* response) override;
  grpc::ServerUnaryReactor* Settle(grpc::CallbackServerContext* context,
                                   const v1::SettleRequest* request,
                                   v1::SettleResponse* response) override;
  // INVALID_ARGUMENT for a lease without a user or call id, or more than 10000 leases.
  grpc::ServerUnaryReactor* Renew(grpc::CallbackServerContext* context,
                                  const v1::RenewRequest* request,
                                  v1::RenewResponse* response) override;

 private:
  AuthDeps deps_;
  const CallerTrust* trust_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_LIMITS_SERVICE_H_
