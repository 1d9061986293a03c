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
                               std::function<void(std::vector<v1::Model>)> done) {
  std::optional<std::vector<std::string>> providers;
  if (request.restrict()) providers.emplace(request.providers().begin(), request.providers().end());
  catalog_.List(deps_.config->Get(), providers, std::move(done));
}

grpc::ServerUnaryReactor* RouterService::ListModels(grpc::CallbackServerContext* context,
                                                    const v1::ListModelsRequest* request,
                                                    v1::ListModelsResponse* response) {
  auto* reactor = context->DefaultReactor();
  ListModels(*request, [reactor, response](std::vector<v1::Model> models) {
    for (auto& model : models) *response->add_models() = std::move(model);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace llmsrouter::router
