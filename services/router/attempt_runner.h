// Runs one call upstream with retries, backoff and fallbacks, as long as nothing has reached
// the client yet; then forwards the one answer that counts to the reactor.
#ifndef LLMSROUTER_SERVICES_ROUTER_ATTEMPT_RUNNER_H_
#define LLMSROUTER_SERVICES_ROUTER_ATTEMPT_RUNNER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/group_route.h"
#include "services/router/router_deps.h"
#include "services/router/upstream_exchange.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// Backoff before retry number `retry` (0-based): min(max, base * 2^retry), with "equal
// jitter" (half fixed, half random from `unit_random` in [0,1)), and never less than the
// upstream's Retry-After.
absl::Duration RetryDelay(const RetryPolicy& policy, int retry, double unit_random,
                          absl::Duration retry_after);

// Owned by the reactor (as its HttpTransfer). Thread-safe, and never calls out (the sink, the
// HTTP transfer, the limiter, the scheduler) while holding its lock. `sink` must outlive it;
// the runner calls sink->Complete exactly once, as its last action — possibly from inside
// Cancel(), on the cancelling thread, when the call was waiting (backoff or provider slot).
class AttemptRunner : public HttpTransfer,
                      public CallOutput,
                      public std::enable_shared_from_this<AttemptRunner> {
 public:
  // Longest Retry-After honoured by waiting; beyond it the next fallback is tried instead.
  static constexpr absl::Duration kMaxRetryAfter = absl::Seconds(30);

  AttemptRunner(const RouterDeps& deps, v1::CallRequest request, PreparedCall first,
                CallOutput* sink);

  // A call to a model group: a failure before the first byte moves to the group's next
  // deployment (counted as a retry), and each attempt's end is reported to deps.groups.
  // Before Start().
  void SetGroupRoute(GroupRoute route);

  void Start();

  // HttpTransfer (from the reactor).
  void Cancel() override;
  void Resume() override;

  // CallOutput (from the current exchange).
  bool HasRoom() override { return sink_->HasRoom(); }
  void Emit(v1::CallResponse message) override;
  void Complete(absl::Status status) override;
  bool TakeOverFailure(const absl::Status& transport, int http_status,
                       absl::Duration retry_after) override;

  // Provider and model of the attempt that answered (for traces).
  std::string provider() const;

 private:
  static PreparedCall CopyToKeep(PreparedCall& call);
  void Launch(PreparedCall call);
  void StartTransfer(PreparedCall call);
  // Ends the call with `status` (no slot held, no transfer started), unless it ended already.
  void Refuse(absl::Status status);
  // The next fallback that resolves, or nullopt.
  std::optional<PreparedCall> NextFallback() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gives up the provider slot, if held: returns the alias to Release() once unlocked.
  std::optional<std::string> TakeSlotLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseSlot(std::optional<std::string> alias);
  // The group's next deployment after a failure, having reported the failure.
  std::optional<PreparedCall> NextDeploymentLocked(const absl::Status& transport, int http_status,
                                                   absl::Duration retry_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reports the end of the group attempt in flight, if any (the balancer is a leaf lock).
  void FinishGroupAttemptLocked(const AttemptResult& result) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RouterDeps deps_;
  v1::CallRequest request_;
  CallOutput* sink_;
  std::vector<std::string> fallbacks_;  // of the first target

  mutable absl::Mutex mu_;
  PreparedCall current_ ABSL_GUARDED_BY(mu_);
  size_t next_fallback_ ABSL_GUARDED_BY(mu_) = 0;
  int retries_in_target_ ABSL_GUARDED_BY(mu_) = 0;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_slot_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;  // for a backoff timer or a provider slot
  // While queued for a provider slot: where, so that a cancel can leave the queue.
  std::string queued_alias_ ABSL_GUARDED_BY(mu_);
  ProviderLimiter::Ticket queued_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  // Shared so that Cancel() can call it outside the lock while a completion resets it.
  std::shared_ptr<HttpTransfer> transfer_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<UpstreamExchange>> exchanges_ ABSL_GUARDED_BY(mu_);
  std::optional<GroupRoute> route_ ABSL_GUARDED_BY(mu_);
  // The summary of the attempt that answered (its status and timings, for the group).
  std::optional<v1::CallSummary> summary_ ABSL_GUARDED_BY(mu_);
  // Protocol translators between an exchange and this runner (cross-protocol attempts only).
  std::vector<std::unique_ptr<CallOutput>> outputs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ATTEMPT_RUNNER_H_
