// Metering of one call (docs/LIMITS.md). Every call: its tokens and cost in the Prometheus
// counters, and for a user without limits a spend record added in memory (UsageRecorder,
// flushed in batches). A user with limits: admission (one Redis round trip running one Lua
// script), the x-ratelimit-* headers on the answer, and settlement to the real usage, with
// the spend record, when the call ends.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_METER_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_METER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/limits_client.h"
#include "services/router/target.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// Not thread-safe: the pipe calls it from the call's callbacks, which never overlap.
class CallMeter {
 public:
  // Every call gets one (its tokens and cost are counted, a user's spend recorded); limited()
  // after SetTarget when a limit applies: the user's own or the config's limits.default, a
  // scope of the user's, or a per-provider limit.
  static std::unique_ptr<CallMeter> Create(const MeterOptions& options, const RouterConfig& config,
                                           const v1::CallRequest& request, const JsonBody& body);

  ~CallMeter();

  // After SetTarget: whether any limit applies to this call (else it is not admitted or
  // settled; its spend is recorded as for a user without limits).
  bool limited() const { return limited_; }
  // The resolved call: picks the buckets it is checked against besides the user's own limits
  // (the user's scope for `group` and for the target's provider, the provider's limits for
  // everyone), and prices its worst case for a budget. PERMISSION_DENIED when a budget applies,
  // the model has no price and pricing.require is on.
  // The worst case is priced at the dearest candidate: the target, its provider's fallbacks
  // and, for a group call, every deployment of `group`; each needs a price when required.
  absl::Status SetTarget(const Target& target, const GroupConfig* group = nullptr);

  // `refusal` set: answer it (RefusalMessages) instead of calling upstream; `failure` not OK:
  // end the call with it (a budgeted user while the store is unreachable).
  using AdmitDone =
      std::function<void(absl::Status failure, std::optional<auth::v1::AdmitResponse> refusal)>;
  // Only for limited(). `done` runs once, on a gRPC thread or inside this call.
  void Admit(AdmitDone done);

  // Every message of the call, before it reaches the writer (adds the headers to the head).
  void Observe(v1::CallResponse* message);
  // The call ended: settles (once).
  void Finish(const absl::Status& status);

 private:
  CallMeter() = default;
  // The call's cost in micro-USD (0 without a price), and the token/cost metrics.
  int64_t PriceAndCount(const auth::v1::SettleRequest& call) const;
  // What the ended call is charged (charged() false: nothing, it failed upstream).
  auth::v1::SettleRequest Charge() const;
  // A user without limits: the spend record, in memory.
  void Record(const auth::v1::SettleRequest& charge) const;
  void OnAdmitted(const absl::StatusOr<auth::v1::AdmitResponse>& answer, const AdmitDone& done);
  void OnAdmitFailed(const absl::Status& status, const AdmitDone& done);
  // Raises the worst-case cost to this candidate's (PERMISSION_DENIED: unpriced, required).
  absl::Status PriceCandidate(const std::string& alias, const std::string& model);
  // The scope and provider buckets of a call to `alias` (of `group`, when a group call).
  void PickBuckets(const std::string& alias, const GroupConfig* group);
  // Whether a budget / an rpm, tpm or parallel limit applies (own limits or a bucket).
  bool AnyBudget() const;
  bool AnyRateLimit() const;

  MeterOptions options_;
  bool limited_ = false;
  std::string user_;
  std::string call_id_;
  auth::v1::Limits limits_;  // the user's own (or the default), with its scopes
  std::vector<auth::v1::LimitBucket> buckets_;
  bool rate_limits_fail_open_ = true;
  bool budgets_fail_open_ = false;
  int64_t prompt_estimate_ = 0;
  int64_t estimated_tokens_ = 0;
  std::shared_ptr<const RouterConfig> config_;
  int64_t completion_estimate_ = 0;
  int64_t estimated_cost_micros_ = 0;
  std::string reservation_;
  bool release_ = false;  // the admission failed: settle the call id anyway (a release)
  std::vector<std::pair<std::string, std::string>> headers_;
  // From the answer.
  int status_ = 0;
  bool stream_ = false;
  std::string provider_;
  std::string upstream_model_;
  std::optional<v1::Usage> usage_;
  int64_t streamed_chars_ = 0;
  bool finished_ = false;
  bool chargeable_ = true;  // false: a count_tokens call (released, never charged)
  bool renewing_ = false;   // registered with options_.renewer until Finish
};

// The 429 answer for a refusal: a head (Retry-After and the x-ratelimit-* headers) and
// OpenAI's error body (rate_limit_exceeded, or insufficient_quota for a budget).
std::vector<v1::CallResponse> RefusalMessages(const auth::v1::AdmitResponse& refusal,
                                              const std::string& request_id);

// Characters of the "content"/"reasoning_content" strings in streamed chunks (escapes count
// as one): what a hung-up stream is charged from.
int64_t StreamedTextChars(std::string_view sse);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_METER_H_
