#include "services/allinone/local_router_client.h"

#include <utility>
#include <vector>

#include "services/router/call_pipe.h"

namespace llmsrouter::allinone {
namespace {

using router::v1::CallRequest;
using router::v1::CallResponse;

// One call: the router's pipe on one side, the gateway's observer on the other. Owned by
// itself until the observer has been told the call finished, and by the observer as long as
// it keeps the stream, so that Cancel() and Next() stay safe after the end.
class LocalCall : public router::CallPipe<CallResponse>,
                  public gateway::RouterStream,
                  public std::enable_shared_from_this<LocalCall> {
 public:
  explicit LocalCall(std::shared_ptr<gateway::CallObserver> observer)
      : observer_(std::move(observer)) {}

  void Start(const router::RouterDeps& deps, const CallRequest& request) {
    self_ = shared_from_this();
    observer_->Attach(self_);
    StartUpstream(deps, request);
  }

  void Next() override { WriteDone(true); }
  void Cancel() override { CancelByReader(); }

 protected:
  void Translate(CallResponse message, std::vector<CallResponse>* out) override {
    out->push_back(std::move(message));
  }
  void WriteMessage(CallResponse* message) override { observer_->OnMessage(std::move(*message)); }
  void CloseCall(const absl::Status& status) override {
    std::shared_ptr<LocalCall> keep = std::move(self_);  // may be the last reference
    // Let go of the observer: it may keep this stream, and the two must not hold each other.
    std::shared_ptr<gateway::CallObserver> observer = std::move(observer_);
    observer->OnFinish(status);
  }

 private:
  std::shared_ptr<gateway::CallObserver> observer_;
  std::shared_ptr<LocalCall> self_;
};

}  // namespace

void LocalRouterClient::StartCall(const CallRequest& request,
                                  std::shared_ptr<gateway::CallObserver> observer) {
  auto call = std::make_shared<LocalCall>(std::move(observer));
  // On the gateway's I/O thread: the call runs on this thread's loop to the end.
  call->Start(router::ForCurrentLoop(service_->deps()), request);  // may finish at once
}

void LocalRouterClient::ListModels(const router::v1::ListModelsRequest& request,
                                   ModelsCallback done) {
  service_->ListModels(request, std::move(done));  // in-process: never fails
}

}  // namespace llmsrouter::allinone
