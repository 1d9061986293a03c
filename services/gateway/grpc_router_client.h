// RouterClient over a gRPC channel (callback API).
#ifndef LLMSROUTER_SERVICES_GATEWAY_GRPC_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_GATEWAY_GRPC_ROUTER_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/live_calls.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "llmsrouter/router/v1/router.grpc.pb.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class GrpcRouterClient : public RouterClient {
 public:
  explicit GrpcRouterClient(std::shared_ptr<grpc::Channel> channel);
  // Waits (half a second at most) until every call it started is destroyed: see LiveCalls.
  ~GrpcRouterClient() override;

  void StartCall(const router::v1::CallRequest& request,
                 std::shared_ptr<CallObserver> observer) override;
  // RouterService.CallStream: the head with the first chunk, then a message per chunk.
  std::shared_ptr<BodyWriter> StartUpload(const router::v1::CallRequest& head,
                                          std::shared_ptr<CallObserver> observer) override;
  void ListModels(const router::v1::ListModelsRequest& request, ModelsCallback done) override;
  void CheckReady(std::function<void(bool)> done) override;

 private:
  std::shared_ptr<LiveCalls> live_ = std::make_shared<LiveCalls>();
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<router::v1::RouterService::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_GRPC_ROUTER_CLIENT_H_
