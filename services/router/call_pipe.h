// The consumer side of one routed call, without any transport: resolves the request, runs it
// upstream (retries, fallbacks), traces it, and hands the messages to a writer one at a time
// with a bounded queue and backpressure to the upstream transfer. The gRPC service binds it to
// a server stream (StreamingReactor); the all-in-one binary binds it straight to the gateway.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_PIPE_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_PIPE_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/json_limits.h"
#include "common/loop_pool.h"
#include "common/request_id.h"
#include "services/router/attempt_runner.h"
#include "services/router/call_meter.h"
#include "services/router/call_metrics.h"
#include "services/router/call_trace.h"
#include "services/router/http_client.h"
#include "services/router/router_deps.h"
#include "services/router/upstream_exchange.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// `Msg` is what the writer takes; subclasses translate each CallResponse into zero or more.
// The writer gets one message at a time (WriteMessage) and reports with WriteDone; after the
// last message CloseCall runs exactly once, and nothing is called after it.
template <typename Msg>
class CallPipe : public CallOutput {
 public:
  static constexpr size_t kHighWater = 64;
  static constexpr size_t kLowWater = 16;

  // Resolves the request and runs it upstream, or fails the call at once when it cannot be
  // resolved. A request without a request id gets a new one (NewRequestId()), used upstream,
  // in the head, in logs and in the trace.
  void StartUpstream(const RouterDeps& deps, const v1::CallRequest& request) {
    if (request.request_id().empty()) {
      v1::CallRequest named = request;
      named.set_request_id(NewRequestId());
      StartUpstream(deps, named);
      return;
    }
    if (Cancelled()) {  // the reader left before the call reached its loop: nothing upstream
      FailEarly(absl::CancelledError("call cancelled"));
      return;
    }
    // Parsed once: the trace reads the body as the client sent it, then the upstream request
    // takes it over for the rewrite. ParseBody refuses hostile nesting (its one depth scan);
    // direct gRPC clients do not pass the gateway's checks, so say why here.
    // A multipart body (an upload) is not JSON: neither parsed nor scanned.
    bool json = request.content_type().empty();
    JsonBody body = json ? ParseBody(request.body()) : JsonBody(JsonBody::value_t::discarded);
    if (json && body.is_discarded() && !JsonDepthWithin(request.body())) {
      FailEarly(NestingTooDeepError());
      return;
    }
    std::shared_ptr<const RouterConfig> config = deps.config->Get();
    Observe(deps, config, request, body);
    std::optional<GroupRoute> route;
    if (!config->groups.empty() && deps.groups != nullptr) {  // nothing to do without groups
      auto routed = RouteToGroup(*deps.groups, *config, request, body);
      if (!routed.ok()) {
        FailEarly(routed.status());
        return;
      }
      route = *std::move(routed);
    }
    auto prepared = PrepareCall(std::move(config), request, std::move(body),
                                route ? &*route->open : nullptr, deps.resolver);
    if (!prepared.ok()) {
      if (route) FinishAttempt(*deps.groups, &*route, {});
      FailEarly(prepared.status());
      return;
    }
    if (prepared->local_answer) {  // a count_tokens estimate: no upstream attempt
      if (route) FinishAttempt(*deps.groups, &*route, {});
      meter_.reset();  // nothing was called: nothing to count, record or settle
      AnswerLocally(request, *prepared);
      return;
    }
    StartPrepared(deps, request, *std::move(prepared), std::move(route));
  }

  // A streamed upload routed by its UploadIntake (`head`: the call without its body, with a
  // request id): traced and metered from the head (never the file's bytes, no prompt tokens),
  // then as StartUpstream; `route`: the model group's deployment the intake picked. On the
  // call's loop (see StartUploadOnLoop).
  void StartUpload(const RouterDeps& deps, const v1::CallRequest& head, PreparedCall prepared,
                   std::optional<GroupRoute> route) {
    if (Cancelled()) {  // the reader left before the call reached its loop: nothing upstream
      if (route) FinishAttempt(*deps.groups, &*route, {});
      FailEarly(absl::CancelledError("call cancelled"));
      return;
    }
    Observe(deps, deps.config->Get(), head, JsonBody(JsonBody::value_t::discarded));
    StartPrepared(deps, head, std::move(prepared), std::move(route));
  }

  // StartUpload on the calling thread's loop, or handed to a loop once (as
  // StartUpstreamOnLoop).
  void StartUploadOnLoop(const RouterDeps& deps, v1::CallRequest head, PreparedCall prepared,
                         std::optional<GroupRoute> route) {
    if (deps.loops == nullptr || IoLoop::Current() != nullptr) {
      StartUpload(ForCurrentLoop(deps), head, std::move(prepared), std::move(route));
      return;
    }
    auto call = std::make_shared<PreparedCall>(std::move(prepared));  // a lambda is copyable
    deps.loops->pool->Next().Post(
        [this, deps, head = std::move(head), call, route = std::move(route)]() mutable {
          StartUpload(ForCurrentLoop(deps), head, std::move(*call), std::move(route));
        });
  }

  // The call's trace and meter, from the request as the client sent it.
  void Observe(const RouterDeps& deps, const std::shared_ptr<const RouterConfig>& config,
               const v1::CallRequest& request, const JsonBody& body) {
    if (deps.traces != nullptr) {
      trace_sink_ = deps.traces;
      trace_config_ = config;
      trace_.emplace(request, body, *deps.clock, deps.trace_content);
    }
    meter_ = CallMeter::Create(deps.meter, *config, request, body);
  }

  // The resolved call: priced, admitted when limited, then run upstream by an AttemptRunner.
  void StartPrepared(const RouterDeps& deps, const v1::CallRequest& request, PreparedCall prepared,
                     std::optional<GroupRoute> route) {
    if (meter_) {
      const GroupConfig* group = route ? prepared.target.config->FindGroup(route->group) : nullptr;
      if (absl::Status priced = meter_->SetTarget(prepared.target, group); !priced.ok()) {
        if (route) FinishAttempt(*deps.groups, &*route, {});
        FailEarly(priced);
        return;
      }
    }
    auto runner = std::make_shared<AttemptRunner>(deps, request, std::move(prepared), this);
    if (meter_ && meter_->limited()) {
      AdmitThenStart(std::move(runner), std::move(route), deps.groups, request.request_id());
      return;
    }
    if (route) runner->SetGroupRoute(*std::move(route));
    runner->Start();
    SetTransfer(std::move(runner));
  }

  // A limited user's call: one admission round trip, then the upstream on this call's loop,
  // or the 429 answer. Nothing blocks the loop meanwhile; a cancellation that comes while
  // waiting reaches the transfer once it exists (SetTransfer).
  // A group call's route is handed to the runner only once admitted (a refused call ends the
  // route's attempt, so the balancer does not count it in flight).
  void AdmitThenStart(std::shared_ptr<AttemptRunner> runner, std::optional<GroupRoute> route,
                      GroupBalancer* groups, std::string request_id) {
    IoLoop* loop = IoLoop::Current();
    meter_->Admit(
        [this, loop, runner = std::move(runner), route = std::move(route), groups,
         request_id = std::move(request_id)](
            absl::Status failure, std::optional<auth::v1::AdmitResponse> refusal) mutable {
          auto go = [this, runner = std::move(runner), route = std::move(route), groups,
                     request_id = std::move(request_id), failure = std::move(failure),
                     refusal = std::move(refusal)]() mutable {
            if (!failure.ok() || refusal) {
              if (route) FinishAttempt(*groups, &*route, {});
              if (!failure.ok()) return FailEarly(failure);
              for (auto& m : RefusalMessages(*refusal, request_id)) Emit(std::move(m));
              return FailEarly(absl::OkStatus());
            }
            if (Cancelled()) {  // the reader left during the admission: nothing upstream
              if (route) FinishAttempt(*groups, &*route, {});
              return FailEarly(absl::CancelledError("call cancelled"));  // refunds
            }
            if (route) runner->SetGroupRoute(*std::move(route));
            runner->Start();
            SetTransfer(runner);
          };
          if (loop != nullptr && !loop->InLoop()) {
            loop->Post(std::move(go));
          } else {
            go();
          }
        });
  }

  // StartUpstream on the calling thread's loop; from a thread outside the loops (a gRPC
  // thread of the split router) the call is handed to a loop once, and runs there.
  void StartUpstreamOnLoop(const RouterDeps& deps, v1::CallRequest request) {
    if (deps.loops == nullptr || IoLoop::Current() != nullptr) {
      StartUpstream(ForCurrentLoop(deps), request);
      return;
    }
    // `this` stays valid: the call is not closed before StartUpstream has run.
    deps.loops->pool->Next().Post([this, deps, request = std::move(request)] {
      StartUpstream(ForCurrentLoop(deps), request);
    });
  }

  // The router's own answer (a count_tokens estimate): head, body, summary, no upstream.
  void AnswerLocally(const v1::CallRequest& request, const PreparedCall& prepared) {
    v1::CallResponse head;
    head.mutable_head()->set_status(200);
    head.mutable_head()->set_content_type("application/json");
    head.mutable_head()->set_provider(prepared.target.provider->alias);
    head.mutable_head()->set_upstream_model(prepared.target.upstream_model);
    head.mutable_head()->set_request_id(request.request_id());
    Emit(std::move(head));
    v1::CallResponse data;
    data.set_data(*prepared.local_answer);
    Emit(std::move(data));
    v1::CallResponse summary;
    summary.mutable_summary()->set_upstream_status(200);
    Emit(std::move(summary));
    FailEarly(absl::OkStatus());
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
    if (meter_) meter_->Observe(&message);
    if (trace_) trace_->Observe(message);
    if (message.has_head()) {
      provider_ = message.head().provider();
    } else if (message.has_summary()) {
      RecordUpstreamMetrics(provider_, message.summary());
    }
    std::vector<Msg> out;
    Translate(std::move(message), &out);
    if (out.empty()) return;
    bool pump;
    {
      absl::MutexLock lock(&mu_);
      for (Msg& m : out) queue_.push_back(std::move(m));
      pump = TakePumpLocked();
    }
    if (pump) Pump();
  }

  // Subclasses may replace the status (e.g. an upstream HTTP error for typed RPCs).
  void Complete(absl::Status status) override {
    if (meter_) meter_->Finish(status);
    if (trace_) {
      tracer::v1::TraceEvent event = trace_->Finish(status);
      AddTraceCost(trace_config_->pricing, &event);
      trace_sink_->Record(std::move(event));
      trace_.reset();
    }
    bool pump;
    {
      absl::MutexLock lock(&mu_);
      final_status_ = std::move(status);
      pump = TakePumpLocked();
    }
    if (pump) Pump();
  }

 protected:
  virtual void Translate(v1::CallResponse message, std::vector<Msg>* out) = 0;
  // Hands one message to the writer, which answers with WriteDone (possibly before this
  // returns, on this thread or another). The writer may move from `message`.
  virtual void WriteMessage(Msg* message) = 0;
  // The end of the call; `this` may be destroyed by it.
  virtual void CloseCall(const absl::Status& status) = 0;

  // The writer finished with the last message; `ok` false when its reader went away (what is
  // queued is dropped and the upstream stopped).
  void WriteDone(bool ok) {
    std::shared_ptr<HttpTransfer> resume;
    std::shared_ptr<HttpTransfer> cancel;
    bool pump;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        cancel = CancelLocked();
      } else if (paused_ && queue_.size() <= kLowWater && transfer_) {
        paused_ = false;
        resume = transfer_;
      }
      pump = TakePumpLocked();
    }
    CallTransfer(std::move(cancel), std::move(resume));
    if (pump) Pump();  // only if claimed: otherwise `this` may be gone already
  }

  // The reader cancelled the call: the upstream transfer stops, CloseCall follows.
  void CancelByReader() {
    std::shared_ptr<HttpTransfer> cancel;
    bool pump;
    {
      absl::MutexLock lock(&mu_);
      cancel = CancelLocked();
      pump = TakePumpLocked();
    }
    CallTransfer(std::move(cancel), nullptr);
    if (pump) Pump();
  }

 private:
  bool Cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Called once the transfer exists, so that cancellation and resume can reach it. Until then
  // the call is not closed even if the exchange already completed, because the starter still
  // touches this object.
  void SetTransfer(std::shared_ptr<HttpTransfer> transfer) {
    std::shared_ptr<HttpTransfer> cancel;
    bool pump;
    {
      absl::MutexLock lock(&mu_);
      transfer_ = transfer;
      starting_ = false;
      if (cancelled_) cancel = transfer;
      pump = TakePumpLocked();
    }
    CallTransfer(std::move(cancel), nullptr);
    if (pump) Pump();
  }

  // Drops what is queued and returns the transfer to cancel (once).
  std::shared_ptr<HttpTransfer> CancelLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    queue_.clear();
    if (cancelled_) return nullptr;
    cancelled_ = true;
    return transfer_;
  }

  // Lifetime rule: only the pumping thread closes the call, and the call may be destroyed as
  // soon as it is closed. So every entry point changes state and claims the pump in one
  // critical section; one that finds another thread pumping leaves the work to it (that
  // thread re-reads the state under the lock) and must not touch `this` afterwards.
  bool TakePumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pumping_) return false;
    pumping_ = true;
    return true;
  }

  // Outside the lock (a transfer may complete the call, and so come back here, at once), on
  // copies that stay valid even if another thread closes the call meanwhile.
  static void CallTransfer(std::shared_ptr<HttpTransfer> cancel,
                           std::shared_ptr<HttpTransfer> resume) {
    if (cancel) cancel->Cancel();
    if (resume) resume->Resume();
  }

  // Run only by the thread that claimed the pump: writes what is queued, one message at a
  // time, or closes the call once everything was written. The writer is called outside the
  // lock (a writer answering WriteDone inside WriteMessage finds the pump taken and returns,
  // so nothing recurses); nothing is touched after CloseCall.
  void Pump() {
    for (;;) {
      std::optional<absl::Status> close;
      {
        absl::MutexLock lock(&mu_);
        if (!writing_ && !closed_ && !queue_.empty() && !cancelled_) {
          current_ = std::move(queue_.front());
          queue_.pop_front();
          writing_ = true;
        } else if (!writing_ && !closed_ && final_status_ && !starting_) {
          closed_ = true;
          close = *final_status_;
        } else {
          pumping_ = false;
          return;
        }
      }
      if (close) {
        CloseCall(*close);
        return;
      }
      WriteMessage(&current_);
    }
  }

  absl::Mutex mu_;
  std::deque<Msg> queue_ ABSL_GUARDED_BY(mu_);
  Msg current_;
  bool pumping_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool starting_ ABSL_GUARDED_BY(mu_) = true;
  std::optional<absl::Status> final_status_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<HttpTransfer> transfer_ ABSL_GUARDED_BY(mu_);
  std::string provider_;  // set from the head, read at the summary (same thread)
  // Touched only by the exchange's callbacks, which never overlap.
  std::optional<CallTrace> trace_;
  TraceSink* trace_sink_ = nullptr;
  std::shared_ptr<const RouterConfig> trace_config_;  // its prices, for the trace's cost
  std::unique_ptr<CallMeter> meter_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_PIPE_H_
