#include "services/router/router_service.h"

#include <utility>

#include "common/status_map.h"
#include "services/router/call_reactor.h"
#include "services/router/chat_reactor.h"

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

}  // namespace llmsrouter::router
