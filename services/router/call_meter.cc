#include "services/router/call_meter.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/log.h"
#include "common/metric_labels.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "common/strings.h"
#include "common/user_limits.h"
#include "services/router/json_answer.h"
#include "services/router/lease_renewer.h"
#include "services/router/usage_recorder.h"

namespace llmsrouter::router {
namespace {

// A token is about four characters of English text; the prompt estimate is taken from the
// whole body (JSON punctuation included), so it errs high, which the settlement corrects.
int64_t TokensOfChars(int64_t chars) { return (chars + 3) / 4; }

// No model writes more than this in one answer: a larger max_tokens is capped (so that sums
// cannot overflow and a huge value cannot wrap the estimate negative).
constexpr int64_t kMaxCompletionTokens = 1'000'000'000;

// The endpoints whose answer is generated text bounded by the request's max_tokens. The others
// (embeddings, files, batches, uploads, images, audio, vector stores, ...) reserve no
// completion; the usage they report, if any, is charged at settlement.
bool GeneratesText(std::string_view endpoint) {
  return endpoint == "chat/completions" || endpoint == "completions" || endpoint == "responses" ||
         endpoint == "messages";
}

int64_t CompletionEstimate(const JsonBody& body, const std::string& endpoint, int64_t fallback) {
  if (!GeneratesText(endpoint)) return 0;
  for (const char* key : {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
    int64_t n = JsonInt(body, key, -1);
    if (n >= 0) return std::min(n, kMaxCompletionTokens);
  }
  return fallback;
}

// A JSON body's size bounds its prompt; a multipart or binary body (a file, an audio clip, an
// image) is no prompt text: counting its bytes as tokens would refuse any large upload under a
// tpm limit and charge an upload as millions of tokens.
int64_t PromptEstimate(const v1::CallRequest& request) {
  if (!request.content_type().empty()) return 0;
  return TokensOfChars(static_cast<int64_t>(request.body().size()));
}

Counter& RefusedCounter(std::string_view kind) {
  static auto& refused = *new MetricFamily<Counter>(
      "llmsrouter_limits_refused_total", "Calls refused by a user limit (429), by kind.", {"kind"});
  return refused.With({kind});
}

Counter& StoreFailureCounter(std::string_view policy) {
  static auto& failures = *new MetricFamily<Counter>(
      "llmsrouter_limits_store_failures_total",
      "Admissions the limits store could not answer, by the policy applied (open, closed).",
      {"policy"});
  return failures.With({policy});
}

// At most one log line a second for failed admissions: while the store is down every call of
// a limited user fails (the metric counts each one).
bool FailureLogDue() {
  static LogThrottle throttle;
  return throttle.Due();
}

}  // namespace

int64_t CallMeter::PriceAndCount(const auth::v1::SettleRequest& call) const {
  static auto& tokens = *new MetricFamily<Counter>(
      "llmsrouter_tokens_total",
      "Tokens of metered calls by provider, model (configured or priced; the rest: other) and "
      "kind (prompt, cached, completion).",
      {"provider", "model", "kind"});
  static auto& cost = *new MetricFamily<Counter>(
      "llmsrouter_cost_usd_total", "Cost of metered calls in USD by provider and model.",
      {"provider", "model"});
  static auto& unpriced =
      *new MetricFamily<Counter>("llmsrouter_unpriced_calls_total",
                                 "Metered calls of a model without a price (free).", {"provider"});
  const Price* price =
      config_ == nullptr ? nullptr : config_->pricing.Find(provider_, upstream_model_);
  std::string_view p = ProviderLabel(provider_);
  std::string_view m = price != nullptr ? std::string_view(upstream_model_) : "other";
  tokens.With({p, m, "prompt"}).Inc(call.prompt_tokens());
  tokens.With({p, m, "cached"}).Inc(call.cached_tokens());
  tokens.With({p, m, "completion"}).Inc(call.completion_tokens());
  if (price == nullptr) {
    unpriced.With({p}).Inc();
    return 0;
  }
  int64_t micros =
      CostMicros(*price, call.prompt_tokens(), call.cached_tokens(), call.completion_tokens());
  cost.With({p, m}).Inc(MicrosToUsd(micros));
  return micros;
}

std::unique_ptr<CallMeter> CallMeter::Create(const MeterOptions& options,
                                             const RouterConfig& config,
                                             const v1::CallRequest& request, const JsonBody& body) {
  std::unique_ptr<CallMeter> meter(new CallMeter());
  meter->options_ = options;
  meter->user_ = request.user();
  meter->prompt_estimate_ = PromptEstimate(request);
  // A token count is no completion: its answer has no usage and is never charged or recorded.
  meter->chargeable_ = request.endpoint() != "messages/count_tokens";
  if (options.client == nullptr || request.user().empty()) return meter;
  const CallLimitsConfig& calls = config.limits.calls;
  // A user's own limits replace the default entirely.
  bool own = HasLimits(request.limits());
  // No limit can apply: no admission and no settlement, no Redis call on its path (a
  // settlement per call of every user nearly doubled the all-in-one's p50 on a 2-core box).
  if (!own && !HasLimits(calls.default_user) && calls.providers.empty()) return meter;
  meter->call_id_ = StrCat(request.request_id(), "-", NewRequestId());
  meter->limits_ = own ? request.limits() : calls.default_user;
  meter->limited_ = HasOwnLimits(meter->limits_);  // SetTarget adds the buckets that apply
  meter->rate_limits_fail_open_ = calls.rate_limits_fail_open;
  meter->budgets_fail_open_ = calls.budgets_fail_open;
  // n choices each write up to max_tokens (OpenAI allows n up to 128).
  int64_t choices = std::clamp<int64_t>(JsonInt(body, "n", 1), 1, 128);
  meter->completion_estimate_ =
      CompletionEstimate(body, request.endpoint(), calls.default_completion_tokens) * choices;
  meter->estimated_tokens_ = meter->prompt_estimate_ + meter->completion_estimate_;
  return meter;
}

void CallMeter::PickBuckets(const std::string& alias, const GroupConfig* group) {
  auto add = [this](const char* kind, const std::string& name, const auth::v1::Limits& limits) {
    if (!HasOwnLimits(limits)) return;
    auth::v1::LimitBucket& bucket = buckets_.emplace_back();
    bucket.set_kind(kind);
    bucket.set_name(name);
    *bucket.mutable_limits() = limits;
  };
  const auto& scopes = limits_.scopes();
  if (group != nullptr) {
    if (auto it = scopes.find(group->name); it != scopes.end()) add("scope", it->first, it->second);
  }
  if (group == nullptr || group->name != alias) {
    if (auto it = scopes.find(alias); it != scopes.end()) add("scope", it->first, it->second);
  }
  if (const auth::v1::Limits* provider = config_->limits.calls.FindProvider(alias)) {
    add("provider", alias, *provider);
  }
}

bool CallMeter::AnyBudget() const {
  auto budget = [](const auth::v1::Limits& l) { return l.budget_usd() > 0; };
  return budget(limits_) || std::any_of(buckets_.begin(), buckets_.end(),
                                        [&](const auto& b) { return budget(b.limits()); });
}

bool CallMeter::AnyRateLimit() const {
  auto rate = [](const auth::v1::Limits& l) {
    return l.rpm() > 0 || l.tpm() > 0 || l.parallel() > 0;
  };
  return rate(limits_) || std::any_of(buckets_.begin(), buckets_.end(),
                                      [&](const auto& b) { return rate(b.limits()); });
}

absl::Status CallMeter::SetTarget(const Target& target, const GroupConfig* group) {
  config_ = target.config;
  // No limit can apply (Create left no call id): only the spend is recorded.
  if (config_ == nullptr || call_id_.empty()) return absl::OkStatus();
  buckets_.clear();
  PickBuckets(target.provider->alias, group);
  limited_ = HasOwnLimits(limits_) || !buckets_.empty();
  if (!limited_ || !AnyBudget()) return absl::OkStatus();
  // Any candidate may serve the call (a fallback, another deployment of the group): the
  // worst case is priced at the dearest, and each must have a price when one is required.
  estimated_cost_micros_ = 0;
  if (absl::Status s = PriceCandidate(target.provider->alias, target.upstream_model); !s.ok()) {
    return s;
  }
  std::vector<const std::string*> others;
  for (const std::string& name : target.provider->fallbacks) others.push_back(&name);
  if (group != nullptr) {  // any deployment, then its provider's fallbacks
    for (const GroupDeployment& d : group->deployments) {
      others.push_back(&d.model);
      const ProviderConfig* provider = config_->Find(d.alias);
      if (provider == nullptr) continue;
      for (const std::string& name : provider->fallbacks) others.push_back(&name);
    }
  }
  for (const std::string* name : others) {
    auto model = ParseModelName(*name);
    if (!model.ok()) continue;  // such a candidate is never called (it does not resolve)
    if (absl::Status s = PriceCandidate(model->alias, model->model); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CallMeter::PriceCandidate(const std::string& alias, const std::string& model) {
  const Price* price = config_->pricing.Find(alias, model);
  if (price == nullptr) {
    if (!config_->pricing.require) return absl::OkStatus();
    return absl::PermissionDeniedError(
        StrCat("model '", model, "' of provider '", alias,
               "' has no price (pricing.require is on), so a user with a budget cannot use it"));
  }
  estimated_cost_micros_ = std::max(estimated_cost_micros_,
                                    CostMicros(*price, prompt_estimate_, 0, completion_estimate_));
  return absl::OkStatus();
}

void CallMeter::Admit(AdmitDone done) {
  auth::v1::AdmitRequest request;
  request.set_user(user_);
  request.set_call_id(call_id_);
  *request.mutable_limits() = limits_;
  request.mutable_limits()->clear_scopes();  // the ones that apply are in buckets
  for (const auto& bucket : buckets_) *request.add_buckets() = bucket;
  request.set_estimated_tokens(estimated_tokens_);
  request.set_estimated_cost_micros(estimated_cost_micros_);
  options_.client->Admit(std::move(request), [this, done = std::move(done)](
                                                 absl::StatusOr<auth::v1::AdmitResponse> answer) {
    OnAdmitted(answer, done);
  });
}

void CallMeter::OnAdmitted(const absl::StatusOr<auth::v1::AdmitResponse>& answer,
                           const AdmitDone& done) {
  if (!answer.ok()) return OnAdmitFailed(answer.status(), done);
  for (const auto& [name, value] : answer->headers()) headers_.emplace_back(name, value);
  if (!answer->admitted()) {
    RefusedCounter(answer->refused()).Inc();
    finished_ = true;  // nothing reserved, nothing to settle
    return done(absl::OkStatus(), *answer);
  }
  reservation_ = answer->reservation();
  if (options_.renewer != nullptr && answer->lease_ms() > 0) {
    // A call longer than the lease keeps its parallel slots and its reservation record, so its
    // settlement still corrects the tpm minute and the budget (docs/LIMITS.md).
    options_.renewer->Add(user_, call_id_, absl::Milliseconds(answer->lease_ms()));
    renewing_ = true;
  }
  done(absl::OkStatus(), std::nullopt);
}

void CallMeter::OnAdmitFailed(const absl::Status& status, const AdmitDone& done) {
  // The store may still have reserved (a reply lost to the deadline): Finish releases the
  // call id whatever happens next.
  release_ = true;
  // Only an unreachable or slow store gets the open/closed policy; any other error (a bad
  // estimate, a script error) refuses the call: it must never switch the limits off.
  if (status.code() != absl::StatusCode::kUnavailable &&
      status.code() != absl::StatusCode::kDeadlineExceeded) {
    StoreFailureCounter("refused").Inc();
    if (FailureLogDue()) {
      Log(LogLevel::kError, "router", "limits check failed: call refused",
          {{"user", user_}, {"error", std::string(status.message())}});
    }
    return done(absl::InternalError("Your limits could not be checked; the call was refused."),
                std::nullopt);
  }
  // Each kind of limit that applies has its policy (limits.failure_policy); one closed kind
  // refuses the call.
  bool budget_closed = !budgets_fail_open_ && AnyBudget();
  bool rate_closed = !rate_limits_fail_open_ && AnyRateLimit();
  bool closed = budget_closed || rate_closed;
  StoreFailureCounter(closed ? "closed" : "open").Inc();
  if (FailureLogDue()) {
    Log(LogLevel::kError, "router",
        budget_closed ? "limits store unreachable: budgeted call refused (budgets fail closed)"
        : rate_closed ? "limits store unreachable: call refused (rate limits fail closed)"
                      : "limits store unreachable: call admitted unchecked (fails open)",
        {{"user", user_}, {"error", std::string(status.message())}});
  }
  if (budget_closed) {
    return done(
        absl::UnavailableError("The spend store is unreachable, so your budget cannot be checked; "
                               "please retry shortly."),
        std::nullopt);
  }
  if (rate_closed) {
    return done(absl::UnavailableError("The limits store is unreachable, so your rate limits "
                                       "cannot be checked; please retry shortly."),
                std::nullopt);
  }
  done(absl::OkStatus(), std::nullopt);
}

void CallMeter::Observe(v1::CallResponse* message) {
  if (message->has_head()) {
    v1::ResponseHead* head = message->mutable_head();
    status_ = head->status();
    stream_ = head->stream();
    provider_ = head->provider();
    upstream_model_ = head->upstream_model();
    for (const auto& [name, value] : headers_) (*head->mutable_headers())[name] = value;
  } else if (message->has_data()) {
    // Streamed chunks or a whole answer: its text is what a call without usage is charged.
    streamed_chars_ += StreamedTextChars(message->data());
  } else if (message->has_summary() && message->summary().has_usage()) {
    const v1::Usage& usage = message->summary().usage();
    if (usage.prompt_tokens() > 0 || usage.completion_tokens() > 0) usage_ = usage;
  }
}

CallMeter::~CallMeter() {
  if (renewing_) options_.renewer->Remove(call_id_);
}

void CallMeter::Finish(const absl::Status& status) {
  if (finished_) return;
  finished_ = true;
  if (renewing_) {
    options_.renewer->Remove(call_id_);
    renewing_ = false;
  }
  auth::v1::SettleRequest request = Charge();
  if (!limited_) {
    if (!request.charged()) return;
    request.set_cost_micros(PriceAndCount(request));
    return Record(request);
  }
  // Nothing to record or refund (a failed admission may have reserved late: released).
  if (!request.charged() && reservation_.empty() && !release_) return;
  if (request.charged()) {
    request.set_cost_micros(PriceAndCount(request));
  }
  options_.client->Settle(std::move(request));
}

void CallMeter::Record(const auth::v1::SettleRequest& charge) const {
  if (options_.usage == nullptr || user_.empty()) return;
  options_.usage->Record(user_, charge.model(),
                         {.calls = 1,
                          .prompt = charge.prompt_tokens(),
                          .cached = charge.cached_tokens(),
                          .completion = charge.completion_tokens(),
                          .cost_micros = charge.cost_micros(),
                          .estimated = charge.estimated() ? 1 : 0});
}

auth::v1::SettleRequest CallMeter::Charge() const {
  auth::v1::SettleRequest request;
  request.set_user(user_);
  request.set_call_id(call_id_);
  request.set_reservation(reservation_);
  request.set_estimated_tokens(reservation_.empty() ? 0 : estimated_tokens_);
  request.set_estimated_cost_micros(reservation_.empty() ? 0 : estimated_cost_micros_);
  request.set_model(StrCat("[", provider_, "]", upstream_model_));
  bool ok_status = chargeable_ && status_ >= 200 && status_ < 300;
  if (ok_status && usage_) {
    request.set_charged(true);
    request.set_prompt_tokens(usage_->prompt_tokens());
    request.set_completion_tokens(usage_->completion_tokens());
    request.set_cached_tokens(CachedPromptTokens(*usage_));
  } else if (ok_status) {
    // No usage: the client hung up before the usage chunk, or the upstream sent none. The
    // prompt estimate and the text received, marked estimated (never free).
    request.set_charged(true);
    request.set_estimated(true);
    request.set_prompt_tokens(prompt_estimate_);
    request.set_completion_tokens(TokensOfChars(streamed_chars_));
  }
  return request;
}

std::vector<v1::CallResponse> RefusalMessages(const auth::v1::AdmitResponse& refusal,
                                              const std::string& request_id) {
  bool budget = refusal.refused() == "budget";
  std::string type = budget                       ? "insufficient_quota"
                     : refusal.refused() == "tpm" ? "tokens"
                                                  : "requests";
  nlohmann::json error = {{"error",
                           {{"message", refusal.message()},
                            {"type", type},
                            {"param", nullptr},
                            {"code", budget ? "insufficient_quota" : "rate_limit_exceeded"}}}};
  std::vector<v1::CallResponse> out = JsonAnswer(429, error.dump(), request_id);
  v1::ResponseHead* head = out[0].mutable_head();
  for (const auto& [name, value] : refusal.headers()) (*head->mutable_headers())[name] = value;
  if (refusal.retry_after_ms() > 0) {
    (*head->mutable_headers())["retry-after"] =
        std::to_string((refusal.retry_after_ms() + 999) / 1000);
  }
  return out;
}

int64_t StreamedTextChars(std::string_view sse) {
  int64_t chars = 0;
  for (std::string_view key :
       {std::string_view("\"content\":\""), std::string_view("\"reasoning_content\":\"")}) {
    size_t at = 0;
    while ((at = sse.find(key, at)) != std::string_view::npos) {
      at += key.size();
      while (at < sse.size() && sse[at] != '"') {
        at += sse[at] == '\\' ? 2 : 1;
        ++chars;
      }
    }
  }
  return chars;
}

}  // namespace llmsrouter::router
