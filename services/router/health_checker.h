// Active health checks of model group deployments: while a deployment of a group with
// `health_check: {interval: N}` is ejected, GET {provider url}/models every N seconds; a 2xx
// readmits it before its cooldown ends.
#ifndef LLMSROUTER_SERVICES_ROUTER_HEALTH_CHECKER_H_
#define LLMSROUTER_SERVICES_ROUTER_HEALTH_CHECKER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/scheduler.h"
#include "services/router/config_store.h"
#include "services/router/group_balancer.h"
#include "services/router/http_client.h"

namespace llmsrouter::router {

// Thread-safe. Create with std::make_shared: scheduled rounds hold it weakly and probes in
// flight share it. Call Stop() before the HTTP client or the balancer goes (RouterApp does,
// then shuts its HTTP clients down, which completes the probes still in flight).
class HealthChecker : public std::enable_shared_from_this<HealthChecker> {
 public:
  // How often the rounds run (each deployment is probed at its group's interval).
  static constexpr absl::Duration kRound = absl::Milliseconds(200);

  // Not owned; all must outlive the checker's rounds.
  HealthChecker(ConfigStore* config, GroupBalancer* balancer, HttpClient* http, const Clock& clock,
                Scheduler* scheduler);

  // Runs a round every kRound from now on.
  void Start();
  // One round: starts a probe of every ejected deployment due for one. Returns how many.
  int RunRound();
  // No round starts after this returns, and none is running. A probe in flight still reports.
  void Stop();

 private:
  class Probe;
  void Schedule();
  void ProbeDone(const std::string& key, const std::string& group, const std::string& model,
                 bool healthy);

  ConfigStore* config_;
  GroupBalancer* balancer_;
  HttpClient* http_;
  const Clock& clock_;
  Scheduler* scheduler_;
  // Held (shared) for a whole round, so that Stop() waits for a running one.
  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
  absl::Mutex mu_;
  // group + '\n' + deployment -> when it was last probed.
  std::map<std::string, absl::Time> last_probe_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_HEALTH_CHECKER_H_
