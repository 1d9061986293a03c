// The auth gRPC services: AuthService (hot path) and AdminService (user management).
#ifndef LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_
#define LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_

#include <string>

#include "common/clock.h"
#include "common/worker_pool.h"
#include "llmsrouter/auth/v1/auth.grpc.pb.h"
#include "services/auth/authenticator.h"
#include "services/auth/user_store.h"

namespace llmsrouter::auth {

// Not owned; all must outlive the services.
struct AuthDeps {
  UserStore* store = nullptr;
  Authenticator* authenticator = nullptr;
  WorkerPool* workers = nullptr;  // store calls run here, never on gRPC threads
  const Clock* clock = &SystemClock::Get();
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
  AuthDeps deps_;
};

// Every call needs "authorization: Bearer <admin token>"; with no token configured the admin
// API is off (PERMISSION_DENIED saying so).
class AdminService final : public v1::AdminService::CallbackService {
 public:
  AdminService(AuthDeps deps, std::string admin_token)
      : deps_(deps), admin_token_(std::move(admin_token)) {}
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

 private:
  // Checks the admin token, then runs `work` on a worker thread and finishes with its status.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                std::function<absl::Status()> work);

  AuthDeps deps_;
  std::string admin_token_;
};

// Validates a user name: 1..64 of [A-Za-z0-9._@-].
absl::Status ValidateUserName(const std::string& name);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_AUTH_SERVICE_H_
