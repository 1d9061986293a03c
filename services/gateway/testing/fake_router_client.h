// A scripted RouterClient for gateway tests: plays back messages one per Next().
#ifndef LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_

#include <deque>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class FakeRouterClient : public RouterClient {
 public:
  struct Script {
    std::vector<router::v1::CallResponse> messages;
    absl::Status status;
  };

  void SetScript(Script script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }
  std::vector<router::v1::CallRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  bool ready = true;

  void StartCall(const router::v1::CallRequest& request,
                 std::shared_ptr<CallObserver> observer) override {
    Script script;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      script = script_;
    }
    auto* stream = new Stream(std::move(script), observer);
    observer->Attach(stream);
    stream->Next();
  }
  void ListModels(const router::v1::ListModelsRequest&, ModelsCallback done) override {
    router::v1::ListModelsResponse response;
    auto* model = response.add_models();
    model->set_id("[fake]m");
    model->set_owned_by("fake");
    done(response);
  }
  void CheckReady(std::function<void(bool)> done) override { done(ready); }

 private:
  // Deletes itself after OnFinish, like the gRPC reactor.
  class Stream : public RouterStream {
   public:
    Stream(Script script, std::shared_ptr<CallObserver> observer)
        : pending_(script.messages.begin(), script.messages.end()),
          status_(std::move(script.status)),
          observer_(std::move(observer)) {}
    void Next() override {
      bool finish = false;
      router::v1::CallResponse message;
      {
        absl::MutexLock lock(&mu_);
        if (cancelled_ || pending_.empty()) {
          finish = true;
        } else {
          message = std::move(pending_.front());
          pending_.pop_front();
        }
      }
      if (!finish) {
        observer_->OnMessage(std::move(message));
        return;
      }
      observer_->OnFinish(cancelled_ ? absl::CancelledError("cancelled") : status_);
      delete this;
    }
    void Cancel() override {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }

   private:
    absl::Mutex mu_;
    std::deque<router::v1::CallResponse> pending_;
    absl::Status status_;
    std::shared_ptr<CallObserver> observer_;
    bool cancelled_ = false;
  };

  absl::Mutex mu_;
  Script script_;
  std::vector<router::v1::CallRequest> requests_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
