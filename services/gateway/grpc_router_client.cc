#include "services/gateway/grpc_router_client.h"

#include <atomic>

#include "common/status_map.h"

namespace llmsrouter::gateway {
namespace {

using router::v1::CallRequest;
using router::v1::CallResponse;

// One streamed call. A hold keeps OnDone from running between messages, so Next() is
// always safe until the stream has ended. Owned by itself until OnDone and by the observer
// as long as it keeps the stream, so that Cancel() stays safe after the end.
class CallStreamReactor : public grpc::ClientReadReactor<CallResponse>,
                          public RouterStream,
                          public std::enable_shared_from_this<CallStreamReactor> {
 public:
  explicit CallStreamReactor(std::shared_ptr<CallObserver> observer)
      : observer_(std::move(observer)) {}

  void Start(router::v1::RouterService::Stub* stub, const CallRequest& request) {
    self_ = shared_from_this();
    observer_->Attach(self_);
    stub->async()->Call(&context_, &request, this);
    AddHold();
    StartRead(&message_);
    StartCall();
  }

  void Next() override {
    if (!done_.load()) StartRead(&message_);
  }
  // The context lives as long as this object, and cancelling a finished call does nothing.
  void Cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    // Detach the message before handing it over: Next() may run on another thread at once.
    CallResponse message = std::move(message_);
    message_.Clear();
    observer_->OnMessage(std::move(message));
  }

  void OnDone(const grpc::Status& status) override {
    done_ = true;
    std::shared_ptr<CallStreamReactor> keep = std::move(self_);  // may be the last reference
    // Let go of the observer: it may keep this stream, and the two must not hold each other.
    std::shared_ptr<CallObserver> observer = std::move(observer_);
    observer->OnFinish(FromGrpcStatus(status));
  }

 private:
  grpc::ClientContext context_;
  CallResponse message_;
  std::shared_ptr<CallObserver> observer_;
  std::shared_ptr<CallStreamReactor> self_;
  std::atomic<bool> done_{false};
};

}  // namespace

GrpcRouterClient::GrpcRouterClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)),
      stub_(router::v1::RouterService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

void GrpcRouterClient::StartCall(const CallRequest& request,
                                 std::shared_ptr<CallObserver> observer) {
  std::make_shared<CallStreamReactor>(std::move(observer))->Start(stub_.get(), request);
}

void GrpcRouterClient::ListModels(const router::v1::ListModelsRequest& request,
                                  ModelsCallback done) {
  struct State {
    grpc::ClientContext context;
    router::v1::ListModelsResponse response;
  };
  auto state = std::make_shared<State>();
  state->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  stub_->async()->ListModels(&state->context, &request, &state->response,
                             [state, done = std::move(done)](grpc::Status status) {
                               if (!status.ok()) {
                                 done(FromGrpcStatus(status));
                               } else {
                                 done(std::move(state->response));
                               }
                             });
}

void GrpcRouterClient::CheckReady(std::function<void(bool)> done) {
  struct State {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
  };
  auto state = std::make_shared<State>();
  state->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  health_->async()->Check(&state->context, &state->request, &state->response,
                          [state, done = std::move(done)](grpc::Status status) {
                            done(status.ok() && state->response.status() ==
                                                    grpc::health::v1::HealthCheckResponse::SERVING);
                          });
}

}  // namespace llmsrouter::gateway
