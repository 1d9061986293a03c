// A server-streaming reactor fed by an UpstreamExchange: one write in flight, a bounded
// queue, and backpressure to the upstream transfer when the client reads slowly.
#ifndef LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status_map.h"
#include "services/router/attempt_runner.h"
#include "services/router/call_metrics.h"
#include "services/router/call_trace.h"
#include "services/router/http_client.h"
#include "services/router/router_deps.h"
#include "services/router/upstream_exchange.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// `Msg` is the message type written to the client; subclasses translate each CallResponse
// into zero or more of them. Lifetime: deletes itself in OnDone, which gRPC calls only after
// Finish(), which this class calls only after the exchange completed.
template <typename Msg>
class StreamingReactor : public grpc::ServerWriteReactor<Msg>, public CallOutput {
 public:
  static constexpr size_t kHighWater = 64;
  static constexpr size_t kLowWater = 16;

  // Called once the transfer exists, so that cancellation and resume can reach it.
  // Until then the RPC is not finished even if the exchange already completed, because the
  // starter still touches this object.
  void SetTransfer(std::shared_ptr<HttpTransfer> transfer) {
    {
      absl::MutexLock lock(&mu_);
      transfer_ = std::move(transfer);
      starting_ = false;
      if (cancelled_) transfer_->Cancel();
    }
    Pump();
  }

  // Resolves the request and runs it upstream (with retries and fallbacks), or fails the
  // call at once when it cannot be resolved.
  void StartUpstream(const RouterDeps& deps, const v1::CallRequest& request) {
    if (deps.traces != nullptr) {
      trace_sink_ = deps.traces;
      trace_.emplace(request, *deps.clock, deps.trace_content);
    }
    auto prepared = PrepareCall(deps.config->Get(), request);
    if (!prepared.ok()) {
      FailEarly(prepared.status());
      return;
    }
    auto runner = std::make_shared<AttemptRunner>(deps, request, *std::move(prepared), this);
    runner->Start();
    SetTransfer(std::move(runner));
  }

  // Ends the call before any upstream was started.
  void FailEarly(const absl::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      starting_ = false;
    }
    Complete(status);
  }

  bool HasRoom() override {
    absl::MutexLock lock(&mu_);
    if (queue_.size() < kHighWater) return true;
    paused_ = true;
    return false;
  }

  void Emit(v1::CallResponse message) override {
    if (trace_) trace_->Observe(message);
    if (message.has_head()) {
      provider_ = message.head().provider();
    } else if (message.has_summary()) {
      RecordUpstreamMetrics(provider_, message.summary());
    }
    std::vector<Msg> out;
    Translate(std::move(message), &out);
    if (out.empty()) return;
    {
      absl::MutexLock lock(&mu_);
      for (Msg& m : out) queue_.push_back(std::move(m));
    }
    Pump();
  }

  // Subclasses may replace the status (e.g. an upstream HTTP error for typed RPCs).
  void Complete(absl::Status status) override {
    if (trace_) {
      trace_sink_->Record(trace_->Finish(status));
      trace_.reset();
    }
    {
      absl::MutexLock lock(&mu_);
      final_status_ = ToGrpcStatus(status);
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        // The client went away: drop what is queued and stop the upstream.
        queue_.clear();
        CancelLocked();
      } else if (paused_ && queue_.size() <= kLowWater && transfer_) {
        paused_ = false;
        transfer_->Resume();
      }
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    queue_.clear();
    CancelLocked();
  }

  void OnDone() override { delete this; }

 protected:
  virtual void Translate(v1::CallResponse message, std::vector<Msg>* out) = 0;

 private:
  void CancelLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) return;
    cancelled_ = true;
    if (transfer_) transfer_->Cancel();
  }

  // Starts the next write, or finishes the RPC once everything was written. gRPC calls are
  // made outside the lock: Finish() may lead to OnDone (and `delete this`) on another thread.
  void Pump() {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (!queue_.empty() && !cancelled_) {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        writing_ = true;
      } else if (final_status_ && !starting_) {
        finished_ = true;
        finish = *final_status_;
      } else {
        return;
      }
    }
    if (finish) {
      this->Finish(*finish);
    } else {
      this->StartWrite(&current_);
    }
  }

  absl::Mutex mu_;
  std::deque<Msg> queue_ ABSL_GUARDED_BY(mu_);
  Msg current_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool starting_ ABSL_GUARDED_BY(mu_) = true;
  std::optional<grpc::Status> final_status_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<HttpTransfer> transfer_ ABSL_GUARDED_BY(mu_);
  std::string provider_;  // set from the head, read at the summary (same thread)
  // Touched only by the exchange's callbacks, which never overlap.
  std::optional<CallTrace> trace_;
  TraceSink* trace_sink_ = nullptr;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_
