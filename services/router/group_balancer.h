// The router replica's live state of every model group: per deployment the calls in flight,
// the moving time to first byte, the smooth-WRR running weight and the outlier state. Keyed
// by group name and deployment model, so a config reload keeps the state of deployments
// that stay.
#ifndef LLMSROUTER_SERVICES_ROUTER_GROUP_BALANCER_H_
#define LLMSROUTER_SERVICES_ROUTER_GROUP_BALANCER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "services/router/model_group.h"
#include "services/router/outlier_detector.h"

namespace llmsrouter::router {

// How one attempt on a deployment ended, for its health and latency.
struct AttemptResult {
  enum Kind {
    kSuccess,      // an answer that is not a failure (2xx, 4xx other than 429)
    kFailure,      // connect error, timeout, 5xx, or a 429 without Retry-After
    kRateLimited,  // 429 with Retry-After
    kAbandoned,    // cancelled: says nothing about the deployment
  };
  Kind kind = kAbandoned;
  // kFailure / kRateLimited: "HTTP 503", "connection refused", "429 Retry-After 3s".
  std::string cause;
  absl::Duration retry_after = absl::ZeroDuration();
  // Time to first byte, when known (kSuccess).
  std::optional<absl::Duration> ttft;
};

// One deployment as `llmsrouter-admin health` shows it.
struct DeploymentHealth {
  std::string group;
  std::string model;
  std::string strategy;
  int weight = 1;
  bool ejected = false;
  absl::Duration cooldown_left = absl::ZeroDuration();
  std::string cause;  // of the last ejection
  int in_flight = 0;
  uint64_t calls = 0;
  uint64_t ejections = 0;
  int consecutive_failures = 0;
  std::optional<absl::Duration> ttft;
};

// Thread-safe; a leaf lock (never calls out while holding it, beyond logs and metric atomics).
class GroupBalancer {
 public:
  // `random` is uniform in [0, 1) (latency exploration).
  GroupBalancer(const Clock& clock, std::function<double()> random);

  // Picks a deployment of `group` for one attempt and counts it in flight (until Finish).
  // Only deployments whose alias is in `allowed` (null: all) and whose model is not in
  // `tried`. Healthy ones first, by affinity (`affinity_key` non-empty) or the strategy;
  // when every candidate is ejected, the least recently ejected. nullopt: no candidate.
  std::optional<std::string> Pick(const GroupConfig& group, const std::vector<std::string>* allowed,
                                  std::string_view affinity_key,
                                  const std::vector<std::string>& tried);

  // Ends an attempt started by Pick. Logs ejections, with the cause.
  void Finish(const std::string& group, const std::string& model, const EjectionPolicy& policy,
              const AttemptResult& result);

  // An active health check of `model` passed: readmits it now if ejected. False otherwise.
  bool Readmit(const std::string& group, const std::string& model);

  // Every deployment of `groups`, in config order.
  std::vector<DeploymentHealth> Snapshot(const GroupMap& groups);

 private:
  struct State {
    int in_flight = 0;
    uint64_t calls = 0;
    int64_t current = 0;  // smooth-WRR running weight
    std::optional<double> ttft_ms;
    OutlierDetector outlier;
  };
  State& StateOf(const std::string& group, const std::string& model)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Logs the readmission of `model` once its cooldown is over.
  void NoteReadmission(const std::string& group, const std::string& model, State& state,
                       absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t Choose(const GroupConfig& group, const std::vector<size_t>& eligible,
                std::string_view affinity_key, std::vector<State*>& states)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  std::function<double()> random_;
  absl::Mutex mu_;
  // group name -> deployment model -> state.
  std::map<std::string, std::map<std::string, State>, std::less<>> groups_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_GROUP_BALANCER_H_
