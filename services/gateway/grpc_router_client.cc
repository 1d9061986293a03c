#include "services/gateway/grpc_router_client.h"

#include <atomic>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/loop_pool.h"
#include "common/status_map.h"

namespace llmsrouter::gateway {
namespace {

using router::v1::CallRequest;
using router::v1::CallResponse;
using router::v1::CallStreamRequest;

// The answer side of a call to the router, for a reactor of type `Reactor` (a read stream or
// a bidi stream): each message goes to the observer, the next is read on Next(), and the end
// reaches OnFinish. A read hold (the subclass's) keeps OnDone from running between messages,
// so Next() is always safe until the stream has ended. Owned by itself until OnDone and by the
// observer as long as it keeps the stream, so that Cancel() stays safe after the end.
template <typename Reactor>
class ObservedCall : public Reactor, public RouterStream {
 public:
  void Next() override {
    if (!done_.load()) this->StartRead(&message_);
  }
  // The context lives as long as this object, and cancelling a finished call does nothing.
  void Cancel() override { context_.TryCancel(); }

  void OnDone(const grpc::Status& status) override {
    done_ = true;
    std::shared_ptr<RouterStream> keep = std::move(self_);  // may be the last reference
    // Let go of the observer: it may keep this stream, and the two must not hold each other.
    std::shared_ptr<CallObserver> observer = std::move(observer_);
    observer->OnFinish(FromGrpcStatus(status));
  }

 protected:
  ObservedCall(std::shared_ptr<LiveCalls> live, std::shared_ptr<CallObserver> observer)
      : live_(std::move(live)), observer_(std::move(observer)) {}

  // Before the call starts: owned by itself, and the observer gets the control.
  void AttachSelf(std::shared_ptr<RouterStream> self) {
    self_ = self;
    observer_->Attach(std::move(self));
  }
  // OnReadDone(true): hands the message over.
  void Deliver() {
    // Detach the message before handing it over: Next() may run on another thread at once.
    CallResponse message = std::move(message_);
    message_.Clear();
    observer_->OnMessage(std::move(message));
  }

  LiveCalls::Token live_;  // first: destroyed after the context (and its channel reference)
  grpc::ClientContext context_;
  CallResponse message_;

 private:
  std::shared_ptr<CallObserver> observer_;
  std::shared_ptr<RouterStream> self_;
  std::atomic<bool> done_{false};
};

// One streamed call (RouterService.Call).
class CallStreamReactor : public ObservedCall<grpc::ClientReadReactor<CallResponse>>,
                          public std::enable_shared_from_this<CallStreamReactor> {
 public:
  CallStreamReactor(std::shared_ptr<LiveCalls> live, std::shared_ptr<CallObserver> observer)
      : ObservedCall(std::move(live), std::move(observer)) {}

  void Start(router::v1::RouterService::Stub* stub, const CallRequest& request) {
    AttachSelf(shared_from_this());
    stub->async()->Call(&context_, &request, this);
    AddHold();
    StartRead(&message_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    Deliver();
  }
};

// Runs a writer's `done` outside its Write: on the calling thread's loop (the gateway's I/O
// thread); a caller outside any loop (a test) gets it at once.
void PostDone(std::function<void(bool)> done, bool ok) {
  if (IoLoop* loop = IoLoop::Current(); loop != nullptr) {
    loop->Post([done = std::move(done), ok] { done(ok); });
  } else {
    done(ok);
  }
}

// One streamed upload (RouterService.CallStream): the body goes out as messages, one write in
// flight, the head with the first; the answer comes back as in CallStreamReactor (a read hold
// between messages). A write hold is kept until the last chunk was written, a write failed or
// the call is known to be over (the read side ended), so StartWrite never follows OnDone; a
// Write after that answers false. Owned by itself until OnDone, and by the observer and the
// body's producer as long as they keep it.
class UploadStreamReactor
    : public ObservedCall<grpc::ClientBidiReactor<CallStreamRequest, CallResponse>>,
      public BodyWriter,
      public std::enable_shared_from_this<UploadStreamReactor> {
 public:
  UploadStreamReactor(std::shared_ptr<LiveCalls> live, std::shared_ptr<CallObserver> observer)
      : ObservedCall(std::move(live), std::move(observer)) {}

  void Start(router::v1::RouterService::Stub* stub, const CallRequest& head) {
    *out_.mutable_head() = head;
    out_.mutable_head()->clear_body();
    AttachSelf(shared_from_this());
    stub->async()->CallStream(&context_, this);
    AddHold();  // reads: until OnReadDone(false)
    AddHold();  // writes: see above
    StartRead(&message_);
    StartCall();
  }

  void Write(std::string chunk, bool last, std::function<void(bool)> done) override {
    bool taken = false;
    {
      absl::MutexLock lock(&mu_);
      if (write_hold_ && !over_ && !writing_ && !last_sent_) {
        taken = writing_ = true;
        last_sent_ = last;
        pending_done_ = std::move(done);
      }
    }
    if (!taken) return PostDone(std::move(done), false);  // the call is over
    out_.set_chunk(std::move(chunk));
    out_.set_last(last);
    if (last) {
      StartWriteLast(&out_, grpc::WriteOptions());  // and the half-close
    } else {
      StartWrite(&out_);
    }
  }

  void OnWriteDone(bool ok) override {
    std::function<void(bool)> done;
    bool release;
    bool answer;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      done = std::move(pending_done_);
      answer = ok && !over_;
      release = write_hold_ && (!ok || last_sent_ || over_);
      if (release) write_hold_ = false;
    }
    out_.Clear();  // the head went with the first message
    done(answer);
    if (release) RemoveHold();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      bool release;
      bool stuck;
      {
        absl::MutexLock lock(&mu_);
        over_ = true;
        release = write_hold_ && !writing_;
        stuck = writing_;
        if (release) write_hold_ = false;
      }
      // The router answered before taking the whole body: a write waiting for flow-control
      // credit would wait forever; cancelling fails it (the status already came).
      if (stuck) context_.TryCancel();
      if (release) RemoveHold();
      RemoveHold();
      return;
    }
    Deliver();
  }

 private:
  CallStreamRequest out_;  // touched only by the one write in flight
  absl::Mutex mu_;
  bool write_hold_ ABSL_GUARDED_BY(mu_) = true;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool last_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool over_ ABSL_GUARDED_BY(mu_) = false;  // the read side ended: the call is over
  std::function<void(bool)> pending_done_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

GrpcRouterClient::GrpcRouterClient(std::shared_ptr<grpc::Channel> channel)
    : channel_(std::move(channel)),
      stub_(router::v1::RouterService::NewStub(channel_)),
      health_(grpc::health::v1::Health::NewStub(channel_)) {}

// Briefly: calls the gateway left running past its drain are not waited for (the process is
// exiting; a SIGTERM must end it in time), only those ending now.
GrpcRouterClient::~GrpcRouterClient() { live_->WaitNone(absl::Milliseconds(500)); }

void GrpcRouterClient::StartCall(const CallRequest& request,
                                 std::shared_ptr<CallObserver> observer) {
  std::make_shared<CallStreamReactor>(live_, std::move(observer))->Start(stub_.get(), request);
}

std::shared_ptr<BodyWriter> GrpcRouterClient::StartUpload(const CallRequest& head,
                                                          std::shared_ptr<CallObserver> observer) {
  auto call = std::make_shared<UploadStreamReactor>(live_, std::move(observer));
  call->Start(stub_.get(), head);
  return call;
}

void GrpcRouterClient::ListModels(const router::v1::ListModelsRequest& request,
                                  ModelsCallback done) {
  struct State {
    explicit State(std::shared_ptr<LiveCalls> live) : live(std::move(live)) {}
    LiveCalls::Token live;  // first: destroyed after the context
    grpc::ClientContext context;
    router::v1::ListModelsResponse response;
  };
  auto state = std::make_shared<State>(live_);
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
    explicit State(std::shared_ptr<LiveCalls> live) : live(std::move(live)) {}
    LiveCalls::Token live;  // first: destroyed after the context
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
  };
  auto state = std::make_shared<State>(live_);
  state->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  health_->async()->Check(&state->context, &state->request, &state->response,
                          [state, done = std::move(done)](grpc::Status status) {
                            done(status.ok() && state->response.status() ==
                                                    grpc::health::v1::HealthCheckResponse::SERVING);
                          });
}

}  // namespace llmsrouter::gateway
