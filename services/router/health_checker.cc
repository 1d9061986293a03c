#include "services/router/health_checker.h"

#include <vector>

#include "common/log.h"
#include "common/strings.h"
#include "services/router/target.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// One GET {url}/models; reports to the checker and deletes itself when done.
class HealthChecker::Probe : public HttpResponseHandler {
 public:
  Probe(std::shared_ptr<HealthChecker> checker, std::string key, std::string group,
        std::string model)
      : checker_(std::move(checker)),
        key_(std::move(key)),
        group_(std::move(group)),
        model_(std::move(model)) {}
  void OnHeaders(int status, HeaderList) override { status_ = status; }
  bool OnData(std::string_view) override { return true; }  // the status is the answer
  void OnComplete(absl::Status status) override {
    checker_->ProbeDone(key_, group_, model_, status.ok() && status_ >= 200 && status_ < 300);
    delete this;
  }

 private:
  std::shared_ptr<HealthChecker> checker_;
  std::string key_;
  std::string group_;
  std::string model_;
  int status_ = 0;
};

HealthChecker::HealthChecker(ConfigStore* config, GroupBalancer* balancer, HttpClient* http,
                             const Clock& clock, Scheduler* scheduler)
    : config_(config), balancer_(balancer), http_(http), clock_(clock), scheduler_(scheduler) {}

void HealthChecker::Start() { Schedule(); }

void HealthChecker::Schedule() {
  std::weak_ptr<HealthChecker> weak = weak_from_this();
  scheduler_->RunAfter(kRound, [weak] {
    if (auto self = weak.lock()) {
      self->RunRound();
      self->Schedule();
    }
  });
}

void HealthChecker::Stop() {
  absl::MutexLock lock(&stop_mu_);
  stopped_ = true;
}

int HealthChecker::RunRound() {
  absl::ReaderMutexLock stop_lock(&stop_mu_);
  if (stopped_) return 0;
  std::shared_ptr<const RouterConfig> config = config_->Get();
  struct Due {
    std::string key, group, model;
    const ProviderConfig* provider;
  };
  std::vector<Due> due;
  absl::Time now = clock_.Now();
  GroupMap checked;
  for (const auto& [name, group] : config->groups) {
    if (group.health_check_interval > absl::ZeroDuration()) checked.emplace(name, group);
  }
  if (checked.empty()) return 0;
  std::vector<DeploymentHealth> health = balancer_->Snapshot(checked);
  {
    absl::MutexLock lock(&mu_);
    for (const DeploymentHealth& h : health) {
      std::string key = StrCat(h.group, "\n", h.model);
      auto last = last_probe_.find(key);
      absl::Duration interval = checked.at(h.group).health_check_interval;
      if (!h.ejected || in_flight_[key] ||
          (last != last_probe_.end() && now - last->second < interval)) {
        continue;
      }
      auto name = ParseModelName(h.model);
      const ProviderConfig* provider = name.ok() ? config->Find(name->alias) : nullptr;
      if (provider == nullptr) continue;
      last_probe_[key] = now;
      in_flight_[key] = true;
      due.push_back({key, h.group, h.model, provider});
    }
  }
  // Started outside mu_ (a probe may complete at once and take it); stop_mu_ is only shared.
  for (const Due& d : due) {
    HttpRequest request;
    request.method = "GET";
    request.url = UpstreamUrl(*d.provider, "models");
    if (!d.provider->api_key.empty()) {
      request.headers.emplace_back("Authorization", StrCat("Bearer ", d.provider->api_key));
    }
    for (const auto& header : d.provider->headers) request.headers.push_back(header);
    request.connect_timeout = d.provider->timeouts.connect;
    request.first_byte_timeout = request.total_timeout = absl::Seconds(5);
    // The probe is not cancelled: its timeouts (or the client's shutdown) end it. The handle
    // goes at once, so a client that completes inside Start() is fine too.
    http_->Start(std::move(request), new Probe(shared_from_this(), d.key, d.group, d.model));
  }
  return static_cast<int>(due.size());
}

void HealthChecker::ProbeDone(const std::string& key, const std::string& group,
                              const std::string& model, bool healthy) {
  {
    absl::MutexLock lock(&mu_);
    in_flight_.erase(key);
  }
  if (healthy && balancer_->Readmit(group, model)) {
    Log(LogLevel::kInfo, "router", "deployment passed its health check",
        {{"group", group}, {"deployment", model}});
  }
}

}  // namespace llmsrouter::router
