#include "services/auth/admin_service.h"

#include <algorithm>
#include <cctype>

#include "absl/time/time.h"
#include "common/log.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "common/user_limits.h"
#include "services/auth/api_key.h"
#include "services/auth/audit.h"

namespace llmsrouter::auth {
namespace {

void ToProto(const User& user, v1::User* out) {
  out->set_name(user.name);
  out->set_email(user.email);
  for (const auto& p : user.permissions) out->add_permissions(p);
  out->set_enabled(user.enabled);
  out->set_created_unix(user.created_unix);
  out->set_updated_unix(user.updated_unix);
  out->set_key_hint(user.key_hint);
  if (HasLimits(user.limits)) *out->mutable_limits() = user.limits;
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

grpc::ServerUnaryReactor* AdminService::Run(grpc::CallbackServerContext* context,
                                            std::string action, std::string target,
                                            std::function<absl::Status()> work) {
  auto* reactor = context->DefaultReactor();
  if (options_.tokens.empty()) {
    reactor->Finish(ToGrpcStatus(absl::PermissionDeniedError(
        "the admin API is off: set LLMSROUTER_ADMIN_TOKEN on the auth service")));
    return reactor;
  }
  if (!options_.transport_ok) {
    reactor->Finish(ToGrpcStatus(absl::PermissionDeniedError(
        "the admin API is refused over plaintext: turn TLS on (--tls-cert) or listen on "
        "loopback")));
    return reactor;
  }
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  std::string presented =
      it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
  std::optional<std::string> who = MatchAdminToken(presented, options_.tokens);
  if (!who) {
    Log(LogLevel::kWarning, "auth", "admin call with a wrong or missing token",
        {{"action", action}, {"from", context->peer()}});
    reactor->Finish(ToGrpcStatus(
        absl::UnauthenticatedError("wrong or missing admin token (LLMSROUTER_ADMIN_TOKEN)")));
    return reactor;
  }
  v1::AuditEntry entry;
  entry.set_who(*who);
  entry.set_action(std::move(action));
  entry.set_target(std::move(target));
  entry.set_from(context->peer());
  absl::Status queued = deps_.workers->Post([this, reactor, entry = std::move(entry),
                                             work = std::move(work)]() mutable {
    absl::Status status = work();
    entry.set_unix_ms(absl::ToUnixMillis(deps_.clock->Now()));
    entry.set_outcome(status.ok() ? "OK" : std::string(absl::StatusCodeToString(status.code())));
    Audit(std::move(entry));
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));  // the worker queue is full
  return reactor;
}

void AdminService::Audit(v1::AuditEntry entry) {
  std::string line = AuditToJson(entry);
  Log(LogLevel::kInfo, "auth", "admin action",
      {{"who", entry.who()},
       {"action", entry.action()},
       {"target", entry.target()},
       {"from", entry.from()},
       {"outcome", entry.outcome()}});
  if (absl::Status s = deps_.store->AppendAudit(line, kAuditKept); !s.ok()) {
    Log(LogLevel::kError, "auth", "audit entry not stored (it is in this log)",
        {{"error", std::string(s.message())}});
  }
}

grpc::ServerUnaryReactor* AdminService::ListAudit(grpc::CallbackServerContext* context,
                                                  const v1::ListAuditRequest* request,
                                                  v1::ListAuditResponse* response) {
  size_t limit = request->limit() > 0 ? static_cast<size_t>(request->limit()) : 100;
  limit = std::min(limit, kAuditKept);
  return Run(context, "ListAudit", "", [this, limit, response]() -> absl::Status {
    auto lines = deps_.store->RecentAudit(limit);
    if (!lines.ok()) return lines.status();
    for (const auto& line : *lines) {
      if (auto entry = AuditFromJson(line)) *response->add_entries() = *std::move(entry);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::AddUser(grpc::CallbackServerContext* context,
                                                const v1::AddUserRequest* request,
                                                v1::UserWithKey* response) {
  return Run(context, "AddUser", request->name(), [this, request, response]() -> absl::Status {
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
  return Run(context, "ListUsers", "", [this, response]() -> absl::Status {
    auto users = deps_.store->ListUsers();
    if (!users.ok()) return users.status();
    for (const auto& u : *users) ToProto(u, response->add_users());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ModifyUser(grpc::CallbackServerContext* context,
                                                   const v1::ModifyUserRequest* request,
                                                   v1::User* response) {
  return Run(context, "ModifyUser", request->name(), [this, request, response]() -> absl::Status {
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
  return Run(context, "DeleteUser", request->name(),
             [this, request] { return deps_.store->DeleteUser(request->name()); });
}

grpc::ServerUnaryReactor* AdminService::RotateKey(grpc::CallbackServerContext* context,
                                                  const v1::RotateKeyRequest* request,
                                                  v1::UserWithKey* response) {
  return Run(context, "RotateKey", request->name(), [this, request, response]() -> absl::Status {
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

grpc::ServerUnaryReactor* AdminService::SetLimits(grpc::CallbackServerContext* context,
                                                  const v1::SetLimitsRequest* request,
                                                  v1::User* response) {
  return Run(context, "SetLimits", request->name(), [this, request, response]() -> absl::Status {
    if (auto s = ValidateLimits(request->limits()); !s.ok()) return s;
    UserChanges changes;
    changes.limits = request->limits();
    auto user =
        deps_.store->ModifyUser(request->name(), changes, absl::ToUnixSeconds(deps_.clock->Now()));
    if (!user.ok()) return user.status();
    ToProto(*user, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::GetUsage(grpc::CallbackServerContext* context,
                                                 const v1::GetUsageRequest* request,
                                                 v1::GetUsageResponse* response) {
  return Run(context, "GetUsage", request->user(), [this, request, response]() -> absl::Status {
    if (deps_.limits == nullptr) return absl::UnimplementedError("no spend store");
    auto usage = deps_.limits->Usage(*request);
    if (!usage.ok()) return usage.status();
    *response = *std::move(usage);
    return absl::OkStatus();
  });
}

}  // namespace llmsrouter::auth
