#include "services/router/group_balancer.h"

#include <algorithm>

#include "common/log.h"
#include "common/metrics.h"
#include "common/strings.h"
#include "services/router/deployment_picker.h"

namespace llmsrouter::router {
namespace {

// Weight of a new time-to-first-byte sample in the moving average.
constexpr double kTtftAlpha = 0.3;

// Labels are the configured group and deployment names only: a bounded set.
struct GroupMetrics {
  MetricFamily<Counter> calls{"llmsrouter_group_calls_total",
                              "Attempts sent to each deployment of a model group.",
                              {"group", "deployment"}};
  MetricFamily<Gauge> in_flight{"llmsrouter_group_in_flight",
                                "Attempts in flight per deployment of a model group.",
                                {"group", "deployment"}};
  MetricFamily<Gauge> ejected{"llmsrouter_group_ejected",
                              "1 while a deployment is ejected (cooling down), else 0.",
                              {"group", "deployment"}};
  MetricFamily<Counter> ejections{"llmsrouter_group_ejections_total",
                                  "Times a deployment was ejected.",
                                  {"group", "deployment"}};
  MetricFamily<Gauge> ttft{"llmsrouter_group_ttft_seconds",
                           "Moving average of a deployment's time to first byte.",
                           {"group", "deployment"}};
};

GroupMetrics& Metrics() {
  static auto* metrics = new GroupMetrics();
  return *metrics;
}

std::string Millis(absl::Duration d) { return std::to_string(absl::ToInt64Milliseconds(d)); }

bool Permitted(const GroupDeployment& d, const std::vector<std::string>* allowed) {
  return allowed == nullptr ||
         std::find(allowed->begin(), allowed->end(), d.alias) != allowed->end();
}

}  // namespace

GroupBalancer::GroupBalancer(const Clock& clock, std::function<double()> random)
    : clock_(clock), random_(std::move(random)) {}

GroupBalancer::State& GroupBalancer::StateOf(const std::string& group, const std::string& model) {
  auto it = groups_.find(group);
  if (it == groups_.end()) it = groups_.emplace(group, std::map<std::string, State>()).first;
  return it->second[model];
}

void GroupBalancer::NoteReadmission(const std::string& group, const std::string& model,
                                    State& state, absl::Time now) {
  if (!state.outlier.TakeReadmission(now)) return;
  Metrics().ejected.With({group, model}).Set(0);
  Log(LogLevel::kInfo, "router", "deployment readmitted",
      {{"group", group}, {"deployment", model}, {"cause", state.outlier.cause()}});
}

size_t GroupBalancer::Choose(const GroupConfig& group, const std::vector<size_t>& eligible,
                             std::string_view affinity_key, std::vector<State*>& states) {
  size_t n = group.deployments.size();
  std::vector<int> weights(n);
  std::vector<int64_t> current(n);
  std::vector<std::string> ids(n);
  for (size_t i = 0; i < n; ++i) {
    weights[i] = group.deployments[i].weight;
    current[i] = states[i]->current;
  }
  size_t chosen;
  if (!affinity_key.empty()) {
    for (size_t i = 0; i < n; ++i) ids[i] = group.deployments[i].model;
    return RendezvousPick(eligible, ids, weights, affinity_key);
  } else if (group.strategy == PickStrategy::kLeastBusy) {
    std::vector<int> in_flight(n);
    for (size_t i = 0; i < n; ++i) in_flight[i] = states[i]->in_flight;
    chosen = LeastBusyPick(eligible, in_flight, weights, &current);
  } else if (group.strategy == PickStrategy::kLatency) {
    std::vector<std::optional<double>> ttft(n);
    for (size_t i = 0; i < n; ++i) ttft[i] = states[i]->ttft_ms;
    chosen = LatencyPick(eligible, ttft, weights, &current, random_());
  } else {
    chosen = SmoothWeightedPick(eligible, weights, &current);
  }
  for (size_t i = 0; i < n; ++i) states[i]->current = current[i];
  return chosen;
}

std::optional<std::string> GroupBalancer::Pick(const GroupConfig& group,
                                               const std::vector<std::string>* allowed,
                                               std::string_view affinity_key,
                                               const std::vector<std::string>& tried) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  std::vector<State*> states;
  std::vector<size_t> healthy;
  std::optional<size_t> oldest_ejection;
  for (size_t i = 0; i < group.deployments.size(); ++i) {
    const GroupDeployment& d = group.deployments[i];
    State& state = StateOf(group.name, d.model);
    states.push_back(&state);
    NoteReadmission(group.name, d.model, state, now);
    if (!Permitted(d, allowed) || std::find(tried.begin(), tried.end(), d.model) != tried.end()) {
      continue;
    }
    if (!state.outlier.Ejected(now)) {
      healthy.push_back(i);
    } else if (!oldest_ejection || state.outlier.last_ejected_at() <
                                       states[*oldest_ejection]->outlier.last_ejected_at()) {
      oldest_ejection = i;
    }
  }
  if (healthy.empty() && !oldest_ejection) return std::nullopt;
  // Never fail because every breaker is open: the least recently ejected is tried.
  size_t chosen = healthy.empty() ? *oldest_ejection : Choose(group, healthy, affinity_key, states);
  State& state = *states[chosen];
  ++state.in_flight;
  ++state.calls;
  const std::string& model = group.deployments[chosen].model;
  Metrics().calls.With({group.name, model}).Inc();
  Metrics().in_flight.With({group.name, model}).Set(state.in_flight);
  return model;
}

void GroupBalancer::Finish(const std::string& group, const std::string& model,
                           const EjectionPolicy& policy, const AttemptResult& result) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  State& state = StateOf(group, model);
  state.in_flight = std::max(0, state.in_flight - 1);
  Metrics().in_flight.With({group, model}).Set(state.in_flight);
  NoteReadmission(group, model, state, now);
  std::optional<absl::Duration> cooldown;
  switch (result.kind) {
    case AttemptResult::kSuccess:
      // A success proves health, even from an ejected deployment tried as the last resort.
      if (state.outlier.Readmit(now)) NoteReadmission(group, model, state, now);
      state.outlier.OnSuccess();
      if (result.ttft) {
        double ms = absl::ToDoubleMilliseconds(*result.ttft);
        state.ttft_ms = state.ttft_ms ? *state.ttft_ms + kTtftAlpha * (ms - *state.ttft_ms) : ms;
        Metrics().ttft.With({group, model}).Set(*state.ttft_ms / 1000);
      }
      return;
    case AttemptResult::kFailure:
      cooldown = state.outlier.OnFailure(policy, now, result.cause);
      break;
    case AttemptResult::kRateLimited:
      cooldown = state.outlier.OnRateLimited(now, result.retry_after, result.cause);
      break;
    case AttemptResult::kAbandoned:
      return;
  }
  if (!cooldown) return;
  Metrics().ejected.With({group, model}).Set(1);
  Metrics().ejections.With({group, model}).Inc();
  Log(LogLevel::kWarning, "router", "deployment ejected",
      {{"group", group},
       {"deployment", model},
       {"cause", result.cause},
       {"cooldown_ms", Millis(*cooldown)}});
}

bool GroupBalancer::Readmit(const std::string& group, const std::string& model) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  State& state = StateOf(group, model);
  if (!state.outlier.Readmit(now)) return false;
  NoteReadmission(group, model, state, now);
  return true;
}

std::vector<DeploymentHealth> GroupBalancer::Snapshot(const GroupMap& groups) {
  absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  std::vector<DeploymentHealth> out;
  for (const auto& [name, group] : groups) {
    for (const GroupDeployment& d : group.deployments) {
      State& state = StateOf(name, d.model);
      NoteReadmission(name, d.model, state, now);
      DeploymentHealth h{name, d.model, std::string(StrategyName(group.strategy)), d.weight};
      h.ejected = state.outlier.Ejected(now);
      if (h.ejected) h.cooldown_left = state.outlier.ejected_until() - now;
      h.cause = state.outlier.cause();
      h.in_flight = state.in_flight;
      h.calls = state.calls;
      h.ejections = state.outlier.ejections();
      h.consecutive_failures = state.outlier.consecutive_failures();
      if (state.ttft_ms) h.ttft = absl::Milliseconds(*state.ttft_ms);
      out.push_back(std::move(h));
    }
  }
  return out;
}

}  // namespace llmsrouter::router
