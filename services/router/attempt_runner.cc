#include "services/router/attempt_runner.h"

#include <algorithm>
#include <cmath>

#include "common/log.h"
#include "common/metric_labels.h"
#include "common/strings.h"

namespace llmsrouter::router {
namespace {

bool Retryable(const absl::Status& transport, int http_status) {
  if (http_status != 0) return http_status == 429 || http_status >= 500;
  return transport.code() == absl::StatusCode::kUnavailable ||
         transport.code() == absl::StatusCode::kDeadlineExceeded;
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
  absl::Duration ceiling = std::min(policy.max_delay, policy.base_delay * std::pow(2.0, retry));
  absl::Duration delay = ceiling / 2 + (ceiling / 2) * unit_random;
  return std::max(delay, retry_after);
}

AttemptRunner::AttemptRunner(const RouterDeps& deps, v1::CallRequest request, PreparedCall first,
                             CallOutput* sink)
    : deps_(deps),
      request_(std::move(request)),
      sink_(sink),
      fallbacks_(first.target.provider->fallbacks),
      current_(std::move(first)) {}

void AttemptRunner::Start() {
  PreparedCall call;
  {
    absl::MutexLock lock(&mu_);
    call = current_;
  }
  Launch(std::move(call));
}

// Waits for a provider slot, then starts the transfer.
void AttemptRunner::Launch(PreparedCall call) {
  std::string alias = call.target.provider->alias;
  int cap = call.target.provider->max_connections;
  {
    absl::MutexLock lock(&mu_);
    waiting_ = true;
  }
  std::weak_ptr<AttemptRunner> weak = weak_from_this();
  deps_.limiter->Acquire(alias, cap,
                         [weak, alias, call = std::move(call), limiter = deps_.limiter] {
                           auto self = weak.lock();
                           if (!self) {
                             limiter->Release(alias);
                             return;
                           }
                           self->StartTransfer(call);
                         });
}

void AttemptRunner::StartTransfer(PreparedCall call) {
  bool finish_cancelled = false;
  {
    absl::MutexLock lock(&mu_);
    waiting_ = false;
    holding_slot_ = true;
    if (cancelled_ || done_) {
      ReleaseSlot();
      finish_cancelled = !done_;
      done_ = true;
    } else {
      ++attempts_;
      current_ = call;
      auto exchange = std::make_unique<UpstreamExchange>(
          *deps_.clock, this,
          ExchangeInfo{ProviderName(call.target), call.target.upstream_model, request_.request_id(),
                       call.stream, call.hide_usage_chunk});
      UpstreamExchange* handler = exchange.get();
      exchanges_.push_back(std::move(exchange));
      transfer_ = deps_.http->Start(std::move(call.http), handler);
      return;
    }
  }
  if (finish_cancelled) sink_->Complete(absl::CancelledError("call cancelled"));
}

void AttemptRunner::ReleaseSlot() {
  if (!holding_slot_) return;
  holding_slot_ = false;
  deps_.limiter->Release(current_.target.provider->alias);
}

void AttemptRunner::Cancel() {
  bool finish_now = false;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_ || done_) return;
    cancelled_ = true;
    if (transfer_) {
      transfer_->Cancel();  // the exchange completes with CANCELLED
    } else if (waiting_) {
      // Waiting for a backoff or a slot: nobody else will complete the call.
      done_ = true;
      finish_now = true;
    }
  }
  if (finish_now) sink_->Complete(absl::CancelledError("call cancelled"));
}

void AttemptRunner::Resume() {
  absl::MutexLock lock(&mu_);
  if (transfer_) transfer_->Resume();
}

void AttemptRunner::Emit(v1::CallResponse message) {
  if (message.has_summary()) {
    absl::MutexLock lock(&mu_);
    message.mutable_summary()->set_attempts(attempts_);
  }
  sink_->Emit(std::move(message));
}

void AttemptRunner::Complete(absl::Status status) {
  {
    absl::MutexLock lock(&mu_);
    ReleaseSlot();
    transfer_.reset();
    if (done_) return;
    done_ = true;
  }
  sink_->Complete(std::move(status));
}

bool AttemptRunner::TakeOverFailure(const absl::Status& transport, int http_status,
                                    absl::Duration retry_after) {
  absl::MutexLock lock(&mu_);
  if (cancelled_ || done_) return false;
  const ProviderConfig& provider = *current_.target.provider;
  std::string failure =
      http_status ? StrCat("HTTP ", http_status) : std::string(transport.message());
  bool retry = Retryable(transport, http_status) &&
               retries_in_target_ < provider.retry.max_retries && retry_after <= kMaxRetryAfter;
  std::optional<PreparedCall> next;
  absl::Duration delay;
  if (retry) {
    delay = RetryDelay(provider.retry, retries_in_target_, deps_.random(), retry_after);
    ++retries_in_target_;
    next = current_;
  } else if (WorthAFallback(transport, http_status)) {
    next = NextFallback();
  }
  if (!next) return false;
  Log(LogLevel::kWarning, "router", retry ? "retrying upstream call" : "trying fallback",
      {{"request_id", request_.request_id()},
       {"provider", ProviderName(current_.target)},
       {"failure", failure},
       {"next", StrCat(ProviderName(next->target), "/", next->target.upstream_model)},
       {"delay_ms", std::to_string(absl::ToInt64Milliseconds(delay))}});
  ReleaseSlot();
  transfer_.reset();
  waiting_ = true;
  std::weak_ptr<AttemptRunner> weak = weak_from_this();
  deps_.scheduler->RunAfter(delay, [weak, call = *std::move(next)]() mutable {
    if (auto self = weak.lock()) self->Launch(std::move(call));
  });
  return true;
}

std::optional<PreparedCall> AttemptRunner::NextFallback() {
  while (next_fallback_ < fallbacks_.size()) {
    const std::string& model = fallbacks_[next_fallback_++];
    auto call = PrepareCall(deps_.config->Get(), request_, &model);
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
