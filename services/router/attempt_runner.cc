#include "services/router/attempt_runner.h"

#include <algorithm>
#include <cmath>

#include "common/backoff.h"
#include "common/log.h"
#include "common/metric_labels.h"
#include "common/strings.h"
#include "services/router/anthropic/translating_output.h"
#include "services/router/upload_resend.h"

namespace llmsrouter::router {
namespace {

bool Retryable(const absl::Status& transport, int http_status) {
  if (http_status != 0) return http_status == 429 || http_status >= 500;
  if (transport.GetPayload(kNoRetry).has_value()) return false;
  return transport.code() == absl::StatusCode::kUnavailable ||
         transport.code() == absl::StatusCode::kDeadlineExceeded;
}

// Whether the failed attempt may be sent again (a retry, another deployment, a fallback):
// an upload only while none of its bytes went upstream; a call that is not idempotent only
// when it never left.
bool MayResend(const PreparedCall& call, const absl::Status& transport, int http_status) {
  if (!UploadUnsent(call)) return false;
  if (!call.resend_only_unsent) return true;
  return http_status == 0 && transport.GetPayload(kNotSent).has_value();
}

// Failures another provider may not have: its own outage, limits, keys or model list.
bool WorthAFallback(const absl::Status& transport, int http_status) {
  return Retryable(transport, http_status) || http_status == 401 || http_status == 403 ||
         http_status == 404;
}

// How a call's provider is named in metrics, traces, logs and the response head: its alias,
// or "adhoc" for a ?proxy= URL (which may carry credentials and is unbounded).
std::string ProviderName(const Target& target) {
  return target.adhoc ? std::string(kAdhocProvider) : target.provider->alias;
}

}  // namespace

absl::Duration RetryDelay(const RetryPolicy& policy, int retry, double unit_random,
                          absl::Duration retry_after) {
  return EqualJitterBackoff(policy.base_delay, policy.max_delay, retry, unit_random, retry_after);
}

AttemptRunner::AttemptRunner(const RouterDeps& deps, v1::CallRequest request, PreparedCall first,
                             CallOutput* sink)
    : deps_(deps),
      request_(std::move(request)),
      sink_(sink),
      // A call bound to a provider's resource (GET files/{id}) has nowhere else to go, and
      // an upload whose body is not streamed from a pipe cannot be sent twice.
      fallbacks_(first.pinned || (first.upload && !first.upload_pipe)
                     ? std::vector<std::string>()
                     : first.target.provider->fallbacks),
      current_(std::move(first)) {
  if (current_.upload) request_.clear_body();  // only a fallback would read it again
}

// A copy of `call` to keep for retries; an upload's body stays in `call` and is not copied
// (an upload is resent only from its pipe, before its first byte went: upload_resend.h).
PreparedCall AttemptRunner::CopyToKeep(PreparedCall& call) {
  if (!call.upload) return call;
  std::string body = std::move(call.http.body);
  call.http.body.clear();
  PreparedCall copy = call;
  call.http.body = std::move(body);
  return copy;
}

void AttemptRunner::SetGroupRoute(GroupRoute route) {
  absl::MutexLock lock(&mu_);
  route_ = std::move(route);
}

void AttemptRunner::FinishGroupAttemptLocked(const AttemptResult& result) {
  if (route_ && deps_.groups != nullptr) FinishAttempt(*deps_.groups, &*route_, result);
}

std::optional<PreparedCall> AttemptRunner::NextDeploymentLocked(const absl::Status& transport,
                                                                int http_status,
                                                                absl::Duration retry_after) {
  if (!route_ || deps_.groups == nullptr) return std::nullopt;
  FinishGroupAttemptLocked(FailureResult(transport, http_status, retry_after));
  if (!WorthAFallback(transport, http_status)) return std::nullopt;
  DeploymentPreparer prepare;
  if (current_.upload) {
    prepare = [this](const std::string& model) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return ReprepareUpload(deps_.config->Get(), request_, current_, model, deps_.resolver);
    };
  }
  auto next = NextDeployment(*deps_.groups, deps_.config->Get(), request_, &*route_, prepare);
  if (next) retries_in_target_ = 0;
  return next;
}

void AttemptRunner::Start() {
  PreparedCall call;
  {
    absl::MutexLock lock(&mu_);
    call = CopyToKeep(current_);
    std::swap(call.http.body, current_.http.body);  // an upload's body moves to the transfer
  }
  Launch(std::move(call));
}

// Waits for a provider slot, then starts the transfer.
void AttemptRunner::Launch(PreparedCall call) {
  std::string alias = call.target.provider->alias;
  int cap = call.target.provider->max_connections;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || done_) return;  // cancelled during the backoff: already completed
    waiting_ = true;
  }
  std::weak_ptr<AttemptRunner> weak = weak_from_this();
  absl::StatusOr<ProviderLimiter::Ticket> queued = deps_.limiter->Acquire(
      alias, cap, [weak, alias, call = std::move(call), limiter = deps_.limiter] {
        auto self = weak.lock();
        if (!self) {
          limiter->Release(alias);
          return;
        }
        self->StartTransfer(call);
      });
  if (!queued.ok()) {
    Refuse(queued.status());  // the provider's queue is full
    return;
  }
  ProviderLimiter::Ticket ticket = *queued;
  if (ticket == 0) return;  // started already (or finished)
  bool abandon = false;
  {
    absl::MutexLock lock(&mu_);
    if (done_) {
      abandon = true;  // cancelled between Acquire and here
    } else if (waiting_) {
      queued_alias_ = alias;
      queued_ticket_ = ticket;
    }
  }
  if (abandon && !deps_.limiter->Abandon(alias, ticket)) {
    // Granted meanwhile: StartTransfer sees the cancel and gives the slot back.
  }
}

void AttemptRunner::Refuse(absl::Status status) {
  {
    absl::MutexLock lock(&mu_);
    if (done_) return;  // a Cancel() completed the call meanwhile
    done_ = true;
    waiting_ = false;
    FinishGroupAttemptLocked({});
  }
  sink_->Complete(std::move(status));
}

void AttemptRunner::StartTransfer(PreparedCall call) {
  bool finish_cancelled = false;
  std::optional<std::string> release;
  UpstreamExchange* handler = nullptr;
  int attempt = 0;
  {
    absl::MutexLock lock(&mu_);
    waiting_ = false;
    queued_ticket_ = 0;
    holding_slot_ = true;
    current_ = CopyToKeep(call);
    if (cancelled_ || done_) {
      release = TakeSlotLocked();
      finish_cancelled = !done_;
      done_ = true;
      FinishGroupAttemptLocked({});
    } else {
      attempt = ++attempts_;
      ExchangeInfo info{ProviderName(call.target), call.target.upstream_model,
                        request_.request_id(), call.stream, call.hide_usage_chunk};
      info.max_event_bytes = call.target.config->limits.sse_event_bytes;
      info.max_buffered_bytes = call.target.config->limits.buffered_bytes;
      info.budget = deps_.budget;
      info.anthropic = call.target.provider->type == ProviderType::kAnthropic;
      info.id_alias = call.id_alias;
      info.raw_answer = call.raw_answer;
      CallOutput* output = this;
      if (call.translation != Translation::kNone) {
        outputs_.push_back(std::make_unique<anthropic::TranslatingOutput>(
            this, call.translation, call.include_usage, absl::ToUnixSeconds(deps_.clock->Now()),
            call.messages_facts));
        output = outputs_.back().get();
      }
      auto exchange = std::make_unique<UpstreamExchange>(*deps_.clock, output, std::move(info));
      handler = exchange.get();
      exchanges_.push_back(std::move(exchange));
    }
  }
  ReleaseSlot(std::move(release));
  if (finish_cancelled) sink_->Complete(absl::CancelledError("call cancelled"));
  if (handler == nullptr) return;
  // Started outside the lock: the transfer may complete (and come back here) at once.
  std::shared_ptr<HttpTransfer> transfer = deps_.http->Start(std::move(call.http), handler);
  bool cancel_now = false;
  {
    absl::MutexLock lock(&mu_);
    // Only while this attempt is still the live one: the transfer may already have finished,
    // or failed over to a backoff (waiting_) or a next attempt. Kept then, a cancel during
    // that backoff would reach this dead transfer instead of completing the call.
    bool live = !done_ && !waiting_ && attempts_ == attempt;
    if (live) transfer_ = transfer;
    cancel_now = cancelled_ && live;
  }
  if (cancel_now) transfer->Cancel();  // a Cancel() came while the transfer was starting
}

std::optional<std::string> AttemptRunner::TakeSlotLocked() {
  if (!holding_slot_) return std::nullopt;
  holding_slot_ = false;
  return current_.target.provider->alias;
}

void AttemptRunner::ReleaseSlot(std::optional<std::string> alias) {
  if (alias) deps_.limiter->Release(*alias);  // may start a queued call on this thread
}

void AttemptRunner::Cancel() {
  bool finish_now = false;
  std::shared_ptr<HttpTransfer> transfer;
  std::string queued_alias;
  ProviderLimiter::Ticket ticket = 0;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || done_) return;
    cancelled_ = true;
    if (transfer_) {
      transfer = transfer_;  // the exchange completes with CANCELLED
    } else if (waiting_) {
      // Waiting for a backoff or a slot: nobody else will complete the call.
      done_ = true;
      finish_now = true;
      FinishGroupAttemptLocked({});
      ticket = queued_ticket_;
      queued_alias_.swap(queued_alias);
      queued_ticket_ = 0;
    }
  }
  if (transfer) transfer->Cancel();
  // Leave the slot queue; if the slot was granted meanwhile, StartTransfer gives it back.
  if (ticket != 0) deps_.limiter->Abandon(queued_alias, ticket);
  if (finish_now) sink_->Complete(absl::CancelledError("call cancelled"));
}

void AttemptRunner::Resume() {
  std::shared_ptr<HttpTransfer> transfer;
  {
    absl::MutexLock lock(&mu_);
    transfer = transfer_;
  }
  if (transfer) transfer->Resume();
}

void AttemptRunner::Emit(v1::CallResponse message) {
  if (message.has_summary()) {
    absl::MutexLock lock(&mu_);
    message.mutable_summary()->set_attempts(attempts_);
    if (route_) summary_ = message.summary();
  }
  sink_->Emit(std::move(message));
}

void AttemptRunner::Complete(absl::Status status) {
  std::shared_ptr<AttemptRunner> self = shared_from_this();  // as in TakeOverFailure
  std::optional<std::string> release;
  bool already_done;
  {
    absl::MutexLock lock(&mu_);
    release = TakeSlotLocked();
    transfer_.reset();
    already_done = done_;
    done_ = true;
    if (route_) FinishGroupAttemptLocked(FinishedResult(status, summary_ ? &*summary_ : nullptr));
  }
  ReleaseSlot(std::move(release));
  if (!already_done) sink_->Complete(std::move(status));
}

bool AttemptRunner::TakeOverFailure(const absl::Status& transport, int http_status,
                                    absl::Duration retry_after) {
  // A cancel on another thread may complete the call (and free the runner) as soon as the
  // lock is released below; this runner still has work to do after that.
  std::shared_ptr<AttemptRunner> self = shared_from_this();
  std::optional<PreparedCall> next;
  absl::Duration delay;
  std::optional<std::string> release;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || done_) return false;
    const ProviderConfig& provider = *current_.target.provider;
    std::string failure =
        http_status ? StrCat("HTTP ", http_status) : std::string(transport.message());
    // A group call moves to its next deployment at once; the provider's own retries and
    // fallbacks apply once every deployment was tried. An upload is not sent again once a
    // byte of it went upstream (its body
    // went upstream, at least in part).
    bool may_resend = MayResend(current_, transport, http_status);
    if (may_resend) next = NextDeploymentLocked(transport, http_status, retry_after);
    bool retry = !next && may_resend && Retryable(transport, http_status) &&
                 retries_in_target_ < provider.retry.max_retries && retry_after <= kMaxRetryAfter;
    if (next) {
      // no delay: another deployment
    } else if (retry) {
      delay = RetryDelay(provider.retry, retries_in_target_, deps_.random(), retry_after);
      ++retries_in_target_;
      next = current_;
    } else if (may_resend && WorthAFallback(transport, http_status)) {
      next = NextFallback();
    }
    if (!next) return false;
    Log(LogLevel::kWarning, "router",
        route_ && route_->open ? "trying next deployment"
        : retry                ? "retrying upstream call"
                               : "trying fallback",
        {{"request_id", request_.request_id()},
         {"provider", ProviderName(current_.target)},
         {"failure", failure},
         {"next", StrCat(ProviderName(next->target), "/", next->target.upstream_model)},
         {"delay_ms", std::to_string(absl::ToInt64Milliseconds(delay))}});
    release = TakeSlotLocked();
    transfer_.reset();
    waiting_ = true;
  }
  ReleaseSlot(std::move(release));
  std::weak_ptr<AttemptRunner> weak = weak_from_this();
  deps_.scheduler->RunAfter(delay, [weak, call = *std::move(next)]() mutable {
    if (auto self = weak.lock()) self->Launch(std::move(call));
  });
  return true;
}

std::optional<PreparedCall> AttemptRunner::NextFallback() {
  while (next_fallback_ < fallbacks_.size()) {
    const std::string& model = fallbacks_[next_fallback_++];
    auto call = current_.upload ? ReprepareUpload(deps_.config->Get(), request_, current_, model,
                                                  deps_.resolver)
                                : PrepareCall(deps_.config->Get(), request_, &model);
    if (call.ok() && call->local_answer) {  // a count_tokens estimate is no fallback
      call = absl::FailedPreconditionError("no upstream for count_tokens");
    }
    if (call.ok()) {
      retries_in_target_ = 0;
      return *std::move(call);
    }
    Log(LogLevel::kWarning, "router", "skipping fallback",
        {{"fallback", model}, {"error", std::string(call.status().message())}});
  }
  return std::nullopt;
}

std::string AttemptRunner::provider() const {
  absl::MutexLock lock(&mu_);
  return ProviderName(current_.target);
}

}  // namespace llmsrouter::router
