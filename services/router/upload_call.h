// The producer side of a streamed upload (issue 19), shared by the gRPC CallStream reactor
// and the all-in-one's in-process client: the head, then the body's chunks in order, fed to
// an UploadIntake; the call starts (CallPipe::StartUpload) once the intake routed it, and the
// transport is asked for the next chunk when the intake has room.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_CALL_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_CALL_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/request_id.h"
#include "services/router/call_pipe.h"
#include "services/router/upload_intake.h"
#include "services/router/upload_prefix_budget.h"

namespace llmsrouter::router {

template <typename Msg>
class UploadCall : public CallPipe<Msg> {
 public:
  // Bytes of the body that wait between the transport and the upstream transfer.
  static constexpr size_t kUploadWindow = 256 << 10;

  // Producer side (BeginUpload, PushChunk, EndBody): one thread at a time, in order.

  // The call's head, its grant applied (body empty; `body_size` the declared length if any).
  // A head without a request id gets one. Before PushChunk.
  void BeginUpload(const RouterDeps& deps, v1::CallRequest head) {
    if (head.request_id().empty()) head.set_request_id(NewRequestId());
    deps_ = deps;
    UploadIntake::Options options{
        .prefix_bound = deps.upload_prefix_bytes,
        .window = kUploadWindow,
        .body_size = head.has_body_size() ? head.body_size() : -1,
        .budget = deps.upload_budget,
        .budget_bytes = deps.upload_prefix_budget,
        .groups = deps.groups,
    };
    head_ = head;  // the call's request once routed (the intake keeps the prefix in its copy)
    intake_.emplace(
        deps.config->Get(), std::move(head), options, [this] { OnSpace(); }, deps.resolver);
    state_ = State::kFeeding;
  }

  // The body's next chunk (`last`: the body ends with it). Starts the call once routed, fails
  // it when it cannot be (e.g. INVALID_ARGUMENT model_not_in_prefix), and calls
  // RequestChunk() when the next chunk may come (at once, or later from OnSpace).
  void PushChunk(std::string chunk, bool last) {
    if (state_ != State::kFeeding) return;  // the call failed, or the body is complete
    absl::StatusOr<bool> room = intake_->Push(std::move(chunk), last);
    if (!room.ok() && IsUploadPrefixBudgetError(room.status())) return Refuse(room.status());
    if (!room.ok()) return EndBody(room.status());
    if (!started_) {
      if (std::optional<PreparedCall> call = intake_->TakeCall()) {
        started_ = true;
        this->StartUploadOnLoop(deps_, std::move(head_), *std::move(call), intake_->TakeRoute());
      }
    }
    if (last) {
      state_ = State::kComplete;
      return;
    }
    if (*room || SpaceCameMeanwhile()) RequestChunk();
  }

  // The body will not be complete (the producer went away, the stream broke): a call not yet
  // started fails with `why`, a started one's upstream transfer is cut short (aborted).
  void EndBody(absl::Status why) {
    if (state_ != State::kFeeding) return;
    state_ = State::kEnded;
    if (!started_) {
      intake_->Abort(why);  // gives back the prefix held now, not when this object goes
      return this->FailEarly(why);
    }
    intake_->Abort(std::move(why));
  }

 protected:
  // Asks the transport for the body's next chunk (PushChunk follows, possibly inside this
  // call). From the producer's thread or the upstream transfer's (OnSpace), holding no lock;
  // never twice before the chunk came. Once the call was closed it must read nothing.
  virtual void RequestChunk() = 0;

 private:
  enum class State { kIdle, kFeeding, kComplete, kEnded };

  // The router holds its budget of upload prefixes: a 503 answer with Retry-After (the intake
  // gave back what this call held).
  void Refuse(const absl::Status& why) {
    state_ = State::kEnded;
    for (v1::CallResponse& m : UploadPrefixBudgetRefusal(why, head_.request_id())) {
      this->Emit(std::move(m));
    }
    this->FailEarly(absl::OkStatus());
  }

  // After a Push that left no room: whether the pipe made room meanwhile (then read on),
  // else OnSpace will.
  bool SpaceCameMeanwhile() {
    absl::MutexLock lock(&space_mu_);
    if (space_came_) {
      space_came_ = false;
      return true;
    }
    waiting_space_ = true;
    return false;
  }

  // The pipe's on_space: from the transfer's thread, which may race the producer's PushChunk.
  void OnSpace() {
    {
      absl::MutexLock lock(&space_mu_);
      if (!waiting_space_) {
        space_came_ = true;
        return;
      }
      waiting_space_ = false;
    }
    RequestChunk();
  }

  // Producer's state.
  RouterDeps deps_;
  v1::CallRequest head_;
  std::optional<UploadIntake> intake_;
  State state_ = State::kIdle;
  bool started_ = false;

  absl::Mutex space_mu_;
  bool waiting_space_ ABSL_GUARDED_BY(space_mu_) = false;
  bool space_came_ ABSL_GUARDED_BY(space_mu_) = false;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_CALL_H_
