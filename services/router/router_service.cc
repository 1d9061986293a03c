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

grpc::ServerUnaryReactor* RouterService::ListModels(grpc::CallbackServerContext* context,
                                                    const v1::ListModelsRequest* request,
                                                    v1::ListModelsResponse* response) {
  auto config = deps_.config->Get();
  int64_t created = absl::ToUnixSeconds(deps_.clock->Now());
  for (const auto& [alias, provider] : config->providers) {
    bool wanted = request->all_providers() || request->providers().empty();
    for (const auto& p : request->providers()) wanted = wanted || p == alias;
    if (!wanted) continue;
    const auto& ids = provider.override_models.empty() ? provider.append : provider.override_models;
    for (const auto& id : ids) {
      auto* model = response->add_models();
      model->set_id("[" + alias + "]" + id);
      model->set_owned_by(alias);
      model->set_created(created);
    }
  }
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace llmsrouter::router
