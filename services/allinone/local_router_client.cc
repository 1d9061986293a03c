#include "services/allinone/local_router_client.h"

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/loop_pool.h"
#include "services/router/call_pipe.h"
#include "services/router/upload_call.h"

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

// Runs `fn` on `loop` (the call's), or at once without one (a caller outside any loop).
void PostTo(IoLoop* loop, std::function<void()> fn) {
  if (loop != nullptr) {
    loop->Post(std::move(fn));
  } else {
    fn();
  }
}

// One streamed upload: the gateway's Write feeds the router's UploadCall on the gateway's I/O
// thread, which is the call's loop; every `done` is posted to that loop (never inside Write),
// true when the next chunk may come, false once the call is over. Owned as LocalCall.
class LocalUpload : public router::UploadCall<CallResponse>,
                    public gateway::RouterStream,
                    public gateway::BodyWriter,
                    public std::enable_shared_from_this<LocalUpload> {
 public:
  explicit LocalUpload(std::shared_ptr<gateway::CallObserver> observer)
      : observer_(std::move(observer)) {}

  void Start(const router::RouterDeps& deps, CallRequest head) {
    self_ = shared_from_this();
    loop_ = IoLoop::Current();
    observer_->Attach(self_);
    head.clear_body();
    BeginUpload(deps, std::move(head));
  }

  void Write(std::string chunk, bool last, std::function<void(bool)> done) override {
    // The call may end inside PushChunk, and the gateway let go of its writer in OnFinish.
    std::shared_ptr<LocalUpload> keep = shared_from_this();
    bool taken = false;
    {
      absl::MutexLock lock(&mu_);
      if (!closed_ && !done_) {
        taken = true;
        done_ = std::move(done);
      }
    }
    if (!taken) return PostTo(loop_, [done = std::move(done)] { done(false); });
    PushChunk(std::move(chunk), last);  // may close the call
    if (last) Answer(true);             // the body is complete: nothing more to wait for
  }

  void Next() override { WriteDone(true); }
  // The body's end is handed to the producer's thread (the loop), as a chunk would be.
  void Cancel() override {
    CancelByReader();
    PostTo(loop_, [self = shared_from_this()] {
      self->EndBody(absl::CancelledError("the upload was cancelled"));
    });
  }

 protected:
  void Translate(CallResponse message, std::vector<CallResponse>* out) override {
    out->push_back(std::move(message));
  }
  void WriteMessage(CallResponse* message) override { observer_->OnMessage(std::move(*message)); }
  void RequestChunk() override { Answer(true); }
  void CloseCall(const absl::Status& status) override {
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    Answer(false);
    std::shared_ptr<LocalUpload> keep = std::move(self_);  // may be the last reference
    std::shared_ptr<gateway::CallObserver> observer = std::move(observer_);
    observer->OnFinish(status);
  }

 private:
  // Answers the Write waiting for its `done`, if any.
  void Answer(bool ok) {
    std::function<void(bool)> done;
    {
      absl::MutexLock lock(&mu_);
      done.swap(done_);
    }
    if (done) PostTo(loop_, [done = std::move(done), ok] { done(ok); });
  }

  std::shared_ptr<gateway::CallObserver> observer_;
  std::shared_ptr<LocalUpload> self_;
  IoLoop* loop_ = nullptr;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void(bool)> done_ ABSL_GUARDED_BY(mu_);  // the Write waiting for its answer
};

}  // namespace

void LocalRouterClient::StartCall(const CallRequest& request,
                                  std::shared_ptr<gateway::CallObserver> observer) {
  auto call = std::make_shared<LocalCall>(std::move(observer));
  // On the gateway's I/O thread: the call runs on this thread's loop to the end.
  call->Start(router::ForCurrentLoop(service_->deps()), request);  // may finish at once
}

std::shared_ptr<gateway::BodyWriter> LocalRouterClient::StartUpload(
    const CallRequest& head, std::shared_ptr<gateway::CallObserver> observer) {
  auto call = std::make_shared<LocalUpload>(std::move(observer));
  call->Start(service_->deps(), head);  // the call starts on this loop once routed
  return call;
}

void LocalRouterClient::ListModels(const router::v1::ListModelsRequest& request,
                                   ModelsCallback done) {
  service_->ListModels(request, std::move(done));  // in-process: never fails
}

}  // namespace llmsrouter::allinone
