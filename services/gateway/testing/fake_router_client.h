// A scripted RouterClient for gateway tests: plays back messages one per Next().
#ifndef LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class FakeRouterClient : public RouterClient {
 public:
  struct Script {
    std::vector<router::v1::CallResponse> messages;
    absl::Status status;
    // After the messages, wait for Cancel() instead of finishing (a router waiting out a
    // backoff or a provider slot); the cancel then finishes the call inside Cancel().
    bool hang = false;
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
  // Cancel() finishes the call at once, on the cancelling thread (OnFinish inside Cancel), as
  // the all-in-one's in-process router may. Off: the call finishes at the observer's next
  // Next(), as over gRPC.
  bool finish_inside_cancel = false;
  // Calls ended by Cancel().
  std::atomic<int> cancelled_calls{0};

  void StartCall(const router::v1::CallRequest& request,
                 std::shared_ptr<CallObserver> observer) override {
    Script script;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      script = script_;
    }
    auto stream = std::make_shared<Stream>(std::move(script), observer, finish_inside_cancel,
                                           &cancelled_calls);
    observer->Attach(stream);
    stream->Next();
  }
  // Not wired yet (issue 19, in progress): nothing calls it.
  std::shared_ptr<BodyWriter> StartUpload(const router::v1::CallRequest&,
                                          std::shared_ptr<CallObserver> observer) override {
    observer->Attach(nullptr);
    observer->OnFinish(absl::UnimplementedError("streamed uploads are not wired yet"));
    return nullptr;
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
  // Calls the observer outside its lock, like the real clients; Next() and Cancel() after the
  // end do nothing.
  class Stream : public RouterStream {
   public:
    Stream(Script script, std::shared_ptr<CallObserver> observer, bool finish_inside_cancel,
           std::atomic<int>* cancelled_calls)
        : cancelled_calls_(cancelled_calls),
          pending_(script.messages.begin(), script.messages.end()),
          status_(std::move(script.status)),
          hang_(script.hang),
          observer_(std::move(observer)),
          finish_inside_cancel_(finish_inside_cancel) {}
    void Next() override {
      std::optional<router::v1::CallResponse> message;
      std::optional<absl::Status> finish;
      std::shared_ptr<CallObserver> observer;
      {
        absl::MutexLock lock(&mu_);
        if (finished_) return;
        observer = observer_;
        if (!cancelled_ && pending_.empty() && hang_) {
          hanging_ = true;
          return;
        }
        if (cancelled_ || pending_.empty()) {
          finished_ = true;
          finish = cancelled_ ? absl::CancelledError("cancelled") : status_;
          observer_.reset();  // the observer may keep this stream: no cycle
        } else {
          message = std::move(pending_.front());
          pending_.pop_front();
        }
      }
      if (message) {
        observer->OnMessage(*std::move(message));
      } else {
        observer->OnFinish(*finish);
      }
    }
    void Cancel() override {
      std::shared_ptr<CallObserver> observer;
      {
        absl::MutexLock lock(&mu_);
        if (finished_ || cancelled_) return;
        cancelled_ = true;
        cancelled_calls_->fetch_add(1);
        if (!finish_inside_cancel_ && !hanging_) return;
        finished_ = true;
        observer = std::move(observer_);
      }
      observer->OnFinish(absl::CancelledError("cancelled"));
    }

   private:
    std::atomic<int>* cancelled_calls_;
    absl::Mutex mu_;
    std::deque<router::v1::CallResponse> pending_ ABSL_GUARDED_BY(mu_);
    absl::Status status_;
    const bool hang_;
    bool hanging_ ABSL_GUARDED_BY(mu_) = false;
    std::shared_ptr<CallObserver> observer_ ABSL_GUARDED_BY(mu_);
    const bool finish_inside_cancel_;
    bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
    bool finished_ ABSL_GUARDED_BY(mu_) = false;
  };

  absl::Mutex mu_;
  Script script_;
  std::vector<router::v1::CallRequest> requests_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
