// The router's gRPC service (llmsrouter.router.v1.RouterService).
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_SERVICE_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_SERVICE_H_

#include <atomic>
#include <functional>
#include <vector>

#include "llmsrouter/router/v1/router.grpc.pb.h"
#include "services/router/call_auth.h"
#include "services/router/model_catalog.h"
#include "services/router/router_deps.h"

namespace llmsrouter::router {

class RouterService final : public v1::RouterService::CallbackService {
 public:
  explicit RouterService(RouterDeps deps) : deps_(deps), catalog_(deps.http, deps.clock) {}
  // Before serving: the event loops calls run on, and the client for work outside them.
  void SetLoops(const LoopDeps* loops, HttpClient* http) {
    deps_.loops = loops;
    deps_.http = http;
    catalog_.SetHttpClient(http);
  }
  // Before serving: the live state of model groups (not owned).
  void SetGroups(GroupBalancer* groups) { deps_.groups = groups; }
  // Before serving: where finished calls are traced.
  void SetTracing(TraceSink* traces, bool content) {
    deps_.traces = traces;
    deps_.trace_content = content;
  }
  // Who may call and with which fields (not owned; may be set while serving). Until one is
  // set, every gRPC call is refused as UNAVAILABLE when `required`, else trusted (tests).
  void SetCallerAuth(CallAuthorizer* authorizer) { authorizer_.store(authorizer); }
  // Before SetCallerAuth (which publishes it): how calls are metered (docs/LIMITS.md).
  void SetMeter(MeterOptions meter) { deps_.meter = meter; }
  // Before serving: most bytes of a streamed upload held to find its `model` field.
  void SetUploadPrefixBytes(size_t bytes) { deps_.upload_prefix_bytes = bytes; }
  // Before serving: what all streamed uploads together may hold to find `model`.
  void SetUploadPrefixBudget(BufferBudget* budget, size_t bytes) {
    deps_.upload_budget = budget;
    deps_.upload_prefix_budget = bytes;
  }
  void RequireCallerAuth() { auth_required_ = true; }

  // For callers in the same process (the all-in-one gateway): what a call needs, and the
  // model list without gRPC. `done` may run on the HTTP client's thread.
  const RouterDeps& deps() const { return deps_; }
  void ListModels(const v1::ListModelsRequest& request,
                  std::function<void(v1::ListModelsResponse)> done);

  grpc::ServerWriteReactor<v1::CallResponse>* Call(grpc::CallbackServerContext* context,
                                                   const v1::CallRequest* request) override;
  grpc::ServerBidiReactor<v1::CallStreamRequest, v1::CallResponse>* CallStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerWriteReactor<v1::ChatEvent>* Chat(grpc::CallbackServerContext* context,
                                                const v1::ChatRequest* request) override;
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;
  grpc::ServerUnaryReactor* Health(grpc::CallbackServerContext* context,
                                   const v1::GroupHealthRequest* request,
                                   v1::GroupHealthResponse* response) override;
  // The groups' deployments; with `restrict`, only those of providers in `providers`.
  v1::GroupHealthResponse GroupHealth(const v1::ListModelsRequest& scope);

 private:
  // `done` runs once with the caller's grant (trusted when there is no authorizer).
  void Authorize(grpc::CallbackServerContext* context, CallAuthorizer::Done done);

  RouterDeps deps_;
  ModelCatalog catalog_;
  std::atomic<CallAuthorizer*> authorizer_{nullptr};
  bool auth_required_ = false;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_SERVICE_H_
