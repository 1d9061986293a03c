#include "services/router/router_service.h"

#include <algorithm>
#include <utility>

#include "common/status_map.h"
#include "services/router/call_reactor.h"
#include "services/router/chat_reactor.h"
#include "services/router/group_balancer.h"
#include "services/router/target.h"
#include "services/router/upload_reactor.h"

namespace llmsrouter::router {

void RouterService::Authorize(grpc::CallbackServerContext* context, CallAuthorizer::Done done) {
  CallAuthorizer* authorizer = authorizer_.load();
  if (authorizer != nullptr) {
    authorizer->Authorize(*context, std::move(done));
  } else if (auth_required_) {
    done(absl::UnavailableError("the router is starting; retry"));
  } else {
    done(CallerGrant{.trusted = true});
  }
}

// The reactor is returned before the caller is authenticated; the pipe keeps it open (and a
// cancellation pending) until the upstream starts or FailEarly runs. The auth answer comes on
// a gRPC thread (the auth client's, or this one from the cache), never on an I/O loop: the call
// is handed to a loop once, and runs there (StartUpstreamOnLoop).
grpc::ServerWriteReactor<v1::CallResponse>* RouterService::Call(
    grpc::CallbackServerContext* context, const v1::CallRequest* request) {
  auto* reactor = new CallReactor();
  Authorize(context, [this, reactor, call = *request](absl::StatusOr<CallerGrant> grant) mutable {
    if (!grant.ok()) return reactor->FailEarly(grant.status());
    ApplyGrant(*grant, &call);
    reactor->StartUpstreamOnLoop(deps_, std::move(call));
  });
  return reactor;
}

// As Call, except that the head and the body arrive as messages once the caller is authorized
// (services/router/upload_reactor.h).
grpc::ServerBidiReactor<v1::CallStreamRequest, v1::CallResponse>* RouterService::CallStream(
    grpc::CallbackServerContext* context) {
  auto* reactor = new UploadReactor();
  Authorize(context, [this, reactor](absl::StatusOr<CallerGrant> grant) {
    reactor->Authorized(deps_, std::move(grant));
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::ChatEvent>* RouterService::Chat(grpc::CallbackServerContext* context,
                                                             const v1::ChatRequest* request) {
  auto* reactor = new ChatReactor();
  Authorize(context, [this, reactor, chat = *request](absl::StatusOr<CallerGrant> grant) mutable {
    if (!grant.ok()) return reactor->FailEarly(grant.status());
    ApplyGrant(*grant, &chat);
    auto call = ChatCallRequest(chat);
    if (!call.ok()) return reactor->FailEarly(call.status());
    ApplyGrant(*grant, &*call);
    reactor->StartUpstreamOnLoop(deps_, *std::move(call));
  });
  return reactor;
}

void RouterService::ListModels(const v1::ListModelsRequest& request,
                               std::function<void(v1::ListModelsResponse)> done) {
  std::optional<std::vector<std::string>> providers;
  if (request.restrict()) providers.emplace(request.providers().begin(), request.providers().end());
  catalog_.List(deps_.config->Get(), providers,
                [done = std::move(done)](std::vector<v1::Model> models) {
                  v1::ListModelsResponse response;
                  for (auto& model : models) *response.add_models() = std::move(model);
                  done(std::move(response));
                });
}

grpc::ServerUnaryReactor* RouterService::ListModels(grpc::CallbackServerContext* context,
                                                    const v1::ListModelsRequest* request,
                                                    v1::ListModelsResponse* response) {
  auto* reactor = context->DefaultReactor();
  Authorize(context, [this, reactor, response,
                      request = *request](absl::StatusOr<CallerGrant> grant) mutable {
    if (!grant.ok()) return reactor->Finish(ToGrpcStatus(grant.status()));
    ApplyGrant(*grant, &request);
    ListModels(request, [reactor, response](v1::ListModelsResponse models) {
      *response = std::move(models);
      reactor->Finish(grpc::Status::OK);
    });
  });
  return reactor;
}

v1::GroupHealthResponse RouterService::GroupHealth(const v1::ListModelsRequest& scope) {
  v1::GroupHealthResponse response;
  if (deps_.groups == nullptr) return response;
  std::shared_ptr<const RouterConfig> config = deps_.config->Get();
  for (const DeploymentHealth& h : deps_.groups->Snapshot(config->groups)) {
    auto alias = ParseModelName(h.model);
    if (scope.restrict() && alias.ok() &&
        std::find(scope.providers().begin(), scope.providers().end(), alias->alias) ==
            scope.providers().end()) {
      continue;
    }
    v1::DeploymentHealth* out = response.add_deployments();
    out->set_group(h.group);
    out->set_deployment(h.model);
    out->set_strategy(h.strategy);
    out->set_weight(h.weight);
    out->set_state(h.ejected ? "ejected" : "healthy");
    out->set_cooldown_left_ms(absl::ToInt64Milliseconds(h.cooldown_left));
    out->set_cause(h.cause);
    out->set_in_flight(h.in_flight);
    out->set_calls(h.calls);
    out->set_ejections(h.ejections);
    out->set_consecutive_failures(h.consecutive_failures);
    if (h.ttft) out->set_ttft_ms(absl::ToDoubleMilliseconds(*h.ttft));
  }
  return response;
}

grpc::ServerUnaryReactor* RouterService::Health(grpc::CallbackServerContext* context,
                                                const v1::GroupHealthRequest*,
                                                v1::GroupHealthResponse* response) {
  auto* reactor = context->DefaultReactor();
  Authorize(context, [this, reactor, response](absl::StatusOr<CallerGrant> grant) {
    if (!grant.ok()) return reactor->Finish(ToGrpcStatus(grant.status()));
    v1::ListModelsRequest scope;  // a user's key sees the deployments it may use
    ApplyGrant(*grant, &scope);
    *response = GroupHealth(scope);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace llmsrouter::router
