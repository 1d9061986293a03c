#include "services/auth/auth_service.h"

#include <cctype>

#include "common/status_map.h"
#include "common/strings.h"
#include "services/auth/api_key.h"

namespace llmsrouter::auth {
namespace {

void FillResponse(const AuthResult& result, v1::AuthenticateResponse* response) {
  response->set_user(result.user);
  for (const auto& p : result.permissions) response->add_permissions(p);
  response->set_all_providers(result.all_providers);
  response->set_bypass_model(result.bypass_model);
}

void ToProto(const User& user, v1::User* out) {
  out->set_name(user.name);
  out->set_email(user.email);
  for (const auto& p : user.permissions) out->add_permissions(p);
  out->set_enabled(user.enabled);
  out->set_created_unix(user.created_unix);
  out->set_updated_unix(user.updated_unix);
  out->set_key_hint(user.key_hint);
}

std::vector<std::string> CleanPermissions(
    const google::protobuf::RepeatedPtrField<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& p : in) {
    std::string_view trimmed = Trim(p);
    if (!trimmed.empty()) out.emplace_back(trimmed);
  }
  return out;
}

// Runs `work` on a worker thread, or finishes the call with the pool's refusal (UNAVAILABLE
// when its queue is full).
void RunOnWorker(WorkerPool* workers, grpc::ServerUnaryReactor* reactor,
                 std::function<void()> work) {
  if (absl::Status status = workers->Post(std::move(work)); !status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
  }
}

}  // namespace

absl::Status ValidateUserName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                c == '@');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("invalid user name '", name, "': use 1 to 64 of letters, digits, . _ - @"));
}

grpc::ServerUnaryReactor* AuthService::Authenticate(grpc::CallbackServerContext* context,
                                                    const v1::AuthenticateRequest* request,
                                                    v1::AuthenticateResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (auto cached = deps_.authenticator->TryCached(request->api_key(), request->client())) {
    if (cached->ok()) FillResponse(**cached, response);
    reactor->Finish(ToGrpcStatus(cached->status()));
    return reactor;
  }
  RunOnWorker(deps_.workers, reactor, [this, reactor, request, response] {
    auto result = deps_.authenticator->Lookup(request->api_key(), request->client());
    if (result.ok()) FillResponse(*result, response);
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthService::SetBypass(grpc::CallbackServerContext* context,
                                                 const v1::SetBypassRequest* request,
                                                 v1::BypassResponse* response) {
  auto* reactor = context->DefaultReactor();
  RunOnWorker(deps_.workers, reactor, [this, reactor, request, response] {
    absl::Status status = deps_.store->SetBypass(request->user(), request->model());
    if (status.ok()) response->set_model(request->model());
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthService::GetBypass(grpc::CallbackServerContext* context,
                                                 const v1::GetBypassRequest* request,
                                                 v1::BypassResponse* response) {
  auto* reactor = context->DefaultReactor();
  RunOnWorker(deps_.workers, reactor, [this, reactor, request, response] {
    auto user = deps_.store->GetUser(request->user());
    if (user.ok()) response->set_model(user->bypass_model);
    reactor->Finish(ToGrpcStatus(user.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::Run(grpc::CallbackServerContext* context,
                                            std::function<absl::Status()> work) {
  auto* reactor = context->DefaultReactor();
  if (admin_token_.empty()) {
    reactor->Finish(ToGrpcStatus(absl::PermissionDeniedError(
        "the admin API is off: set LLMSROUTER_ADMIN_TOKEN on the auth service")));
    return reactor;
  }
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  std::string presented =
      it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
  if (!ConstantTimeEquals(presented, StrCat("Bearer ", admin_token_))) {
    reactor->Finish(ToGrpcStatus(
        absl::UnauthenticatedError("wrong or missing admin token (LLMSROUTER_ADMIN_TOKEN)")));
    return reactor;
  }
  RunOnWorker(deps_.workers, reactor,
              [reactor, work = std::move(work)] { reactor->Finish(ToGrpcStatus(work())); });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::AddUser(grpc::CallbackServerContext* context,
                                                const v1::AddUserRequest* request,
                                                v1::UserWithKey* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    if (auto s = ValidateUserName(request->name()); !s.ok()) return s;
    auto key = GenerateApiKey();
    if (!key.ok()) return key.status();
    User user;
    user.name = request->name();
    user.email = request->email();
    user.permissions = CleanPermissions(request->permissions());
    user.created_unix = user.updated_unix = absl::ToUnixSeconds(deps_.clock->Now());
    user.key_hash = HashApiKey(*key);
    user.key_hint = KeyHint(*key);
    if (auto s = deps_.store->AddUser(user); !s.ok()) return s;
    ToProto(user, response->mutable_user());
    response->set_api_key(*key);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ListUsers(grpc::CallbackServerContext* context,
                                                  const v1::ListUsersRequest*,
                                                  v1::ListUsersResponse* response) {
  return Run(context, [this, response]() -> absl::Status {
    auto users = deps_.store->ListUsers();
    if (!users.ok()) return users.status();
    for (const auto& u : *users) ToProto(u, response->add_users());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ModifyUser(grpc::CallbackServerContext* context,
                                                   const v1::ModifyUserRequest* request,
                                                   v1::User* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    UserChanges changes;
    if (request->has_email()) changes.email = request->email();
    if (request->set_permissions()) changes.permissions = CleanPermissions(request->permissions());
    if (request->has_enabled()) changes.enabled = request->enabled();
    auto user =
        deps_.store->ModifyUser(request->name(), changes, absl::ToUnixSeconds(deps_.clock->Now()));
    if (!user.ok()) return user.status();
    ToProto(*user, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::DeleteUser(grpc::CallbackServerContext* context,
                                                   const v1::DeleteUserRequest* request,
                                                   v1::DeleteUserResponse*) {
  return Run(context, [this, request] { return deps_.store->DeleteUser(request->name()); });
}

grpc::ServerUnaryReactor* AdminService::RotateKey(grpc::CallbackServerContext* context,
                                                  const v1::RotateKeyRequest* request,
                                                  v1::UserWithKey* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    auto key = GenerateApiKey();
    if (!key.ok()) return key.status();
    auto user = deps_.store->RotateKey(request->name(), HashApiKey(*key), KeyHint(*key),
                                       absl::ToUnixSeconds(deps_.clock->Now()));
    if (!user.ok()) return user.status();
    ToProto(*user, response->mutable_user());
    response->set_api_key(*key);
    return absl::OkStatus();
  });
}

}  // namespace llmsrouter::auth
