#include "services/auth/auth_service.h"

#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::auth {
namespace {

void FillResponse(const AuthInfo& result, v1::AuthenticateResponse* response) {
  response->set_user(result.user);
  for (const auto& p : result.permissions) response->add_permissions(p);
  response->set_all_providers(result.all_providers);
  response->set_bypass_model(result.bypass_model);
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

// Blocking (worker thread): the user that `api_key` belongs to, which must be `claimed` when
// that is given.
absl::StatusOr<std::string> AuthService::KeyOwner(const std::string& api_key,
                                                  const std::string& claimed,
                                                  const std::string& client) {
  auto result = deps_.authenticator->Lookup(api_key, client);
  if (!result.ok()) return result.status();
  if (!claimed.empty() && claimed != result->user) {
    return absl::PermissionDeniedError("the API key does not belong to that user");
  }
  return result->user;
}

grpc::ServerUnaryReactor* AuthService::SetBypass(grpc::CallbackServerContext* context,
                                                 const v1::SetBypassRequest* request,
                                                 v1::BypassResponse* response) {
  auto* reactor = context->DefaultReactor();
  RunOnWorker(deps_.workers, reactor, [this, reactor, request, response, client = context->peer()] {
    auto user = KeyOwner(request->api_key(), request->user(), client);
    absl::Status status =
        user.ok() ? deps_.store->SetBypass(*user, request->model()) : user.status();
    if (status.ok()) {
      deps_.authenticator->DropCached();
      response->set_model(request->model());
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuthService::GetBypass(grpc::CallbackServerContext* context,
                                                 const v1::GetBypassRequest* request,
                                                 v1::BypassResponse* response) {
  auto* reactor = context->DefaultReactor();
  RunOnWorker(deps_.workers, reactor, [this, reactor, request, response, client = context->peer()] {
    auto name = KeyOwner(request->api_key(), request->user(), client);
    auto user = name.ok() ? deps_.store->GetUser(*name) : absl::StatusOr<User>(name.status());
    if (user.ok()) response->set_model(user->bypass_model);
    reactor->Finish(ToGrpcStatus(user.status()));
  });
  return reactor;
}

}  // namespace llmsrouter::auth
