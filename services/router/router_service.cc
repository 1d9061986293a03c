#include "services/router/router_service.h"

#include "services/router/call_reactor.h"
#include "services/router/chat_reactor.h"

namespace llmsrouter::router {

grpc::ServerWriteReactor<v1::CallResponse>* RouterService::Call(
    grpc::CallbackServerContext* /*context*/, const v1::CallRequest* request) {
  return new CallReactor(deps_, *request);
}

grpc::ServerWriteReactor<v1::ChatEvent>* RouterService::Chat(
    grpc::CallbackServerContext* /*context*/, const v1::ChatRequest* request) {
  return new ChatReactor(deps_, *request);
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
  ListModels(*request, [reactor, response](v1::ListModelsResponse models) {
    *response = std::move(models);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace llmsrouter::router
