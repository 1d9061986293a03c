// RouterClient that runs the router's logic in the calling process: the all-in-one binary's
// gateway hands each call straight to the router (no gRPC serialisation, no extra threads).
// Same semantics as the gRPC client: flow control, cancellation, errors with their details.
#ifndef LLMSROUTER_SERVICES_ALLINONE_LOCAL_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_ALLINONE_LOCAL_ROUTER_CLIENT_H_

#include <functional>
#include <memory>

#include "services/gateway/router_client.h"
#include "services/router/router_service.h"

namespace llmsrouter::allinone {

class LocalRouterClient : public gateway::RouterClient {
 public:
  // `service` must outlive every call.
  explicit LocalRouterClient(router::RouterService* service) : service_(service) {}

  void StartCall(const router::v1::CallRequest& request,
                 std::shared_ptr<gateway::CallObserver> observer) override;
  // On the gateway's I/O thread: the call runs on this thread's loop; `done` of each Write is
  // posted to it.
  std::shared_ptr<gateway::BodyWriter> StartUpload(
      const router::v1::CallRequest& head,
      std::shared_ptr<gateway::CallObserver> observer) override;
  void ListModels(const router::v1::ListModelsRequest& request, ModelsCallback done) override;
  // The router lives in this process: ready whenever the process is.
  void CheckReady(std::function<void(bool)> done) override { done(true); }

 private:
  router::RouterService* service_;
};

}  // namespace llmsrouter::allinone

#endif  // LLMSROUTER_SERVICES_ALLINONE_LOCAL_ROUTER_CLIENT_H_
