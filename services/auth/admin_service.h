// The admin gRPC service (user management), guarded by named admin tokens, with every action
// written to the audit trail (the store's capped list, and the log).
#ifndef LLMSROUTER_SERVICES_AUTH_ADMIN_SERVICE_H_
#define LLMSROUTER_SERVICES_AUTH_ADMIN_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "llmsrouter/auth/v1/auth.grpc.pb.h"
#include "services/auth/admin_access.h"
#include "services/auth/auth_service.h"

namespace llmsrouter::auth {

// Every call needs "authorization: Bearer <admin token>" (UNAUTHENTICATED otherwise).
class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(AuthDeps deps, AdminOptions options) : deps_(deps), options_(std::move(options)) {}
  grpc::ServerUnaryReactor* AddUser(grpc::CallbackServerContext* context,
                                    const v1::AddUserRequest* request,
                                    v1::UserWithKey* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* context,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* ModifyUser(grpc::CallbackServerContext* context,
                                       const v1::ModifyUserRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* DeleteUser(grpc::CallbackServerContext* context,
                                       const v1::DeleteUserRequest* request,
                                       v1::DeleteUserResponse* response) override;
  grpc::ServerUnaryReactor* RotateKey(grpc::CallbackServerContext* context,
                                      const v1::RotateKeyRequest* request,
                                      v1::UserWithKey* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* context,
                                      const v1::ListAuditRequest* request,
                                      v1::ListAuditResponse* response) override;
  grpc::ServerUnaryReactor* SetLimits(grpc::CallbackServerContext* context,
                                      const v1::SetLimitsRequest* request,
                                      v1::User* response) override;
  grpc::ServerUnaryReactor* GetUsage(grpc::CallbackServerContext* context,
                                     const v1::GetUsageRequest* request,
                                     v1::GetUsageResponse* response) override;

 private:
  // Checks the transport and the admin token, then runs `work` on a worker thread, records
  // the action in the audit trail and finishes with the work's status.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, std::string action,
                                std::string target, std::function<absl::Status()> work);
  // Blocking (worker thread): the store's trail and the log.
  void Audit(v1::AuditEntry entry);

  AuthDeps deps_;
  AdminOptions options_;
};

// Validates a user name: 1..64 of [A-Za-z0-9._@-].
absl::Status ValidateUserName(const std::string& name);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_ADMIN_SERVICE_H_
