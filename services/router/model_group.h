// Model groups (config.yaml `groups:`): one public model name served by several deployments
// ("[alias]model"), balanced by a strategy and kept healthy by outlier ejection.
#ifndef LLMSROUTER_SERVICES_ROUTER_MODEL_GROUP_H_
#define LLMSROUTER_SERVICES_ROUTER_MODEL_GROUP_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/affinity_headers.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace llmsrouter::router {

enum class PickStrategy { kWeighted, kLeastBusy, kLatency };

std::string_view StrategyName(PickStrategy strategy);

struct GroupDeployment {
  std::string model;  // "[alias]model", as configured (its identity across reloads)
  std::string alias;
  int weight = 1;
};

// Calls with the same key go to the same healthy deployment. At most one of the two is set.
struct AffinityConfig {
  std::string header;  // lower-case; one of kAffinityHeaders
  std::string field;   // a top-level string field of the body, e.g. "user"
  bool enabled() const { return !header.empty() || !field.empty(); }
};

// Passive outlier ejection.
struct EjectionPolicy {
  // Consecutive connect errors, timeouts or 5xx that eject a deployment.
  int consecutive_failures = 3;
  // First cooldown; it doubles on each ejection in a row, up to max_cooldown.
  absl::Duration cooldown = absl::Seconds(5);
  absl::Duration max_cooldown = absl::Seconds(300);
};

struct GroupConfig {
  std::string name;
  PickStrategy strategy = PickStrategy::kWeighted;
  AffinityConfig affinity;
  std::vector<GroupDeployment> deployments;
  EjectionPolicy ejection;
  // Active checks (GET {url}/models) of ejected deployments; zero: off.
  absl::Duration health_check_interval = absl::ZeroDuration();
};

using GroupMap = std::map<std::string, GroupConfig, std::less<>>;

// Parses the `groups:` mapping; `known_alias` tells whether a provider alias is configured.
// INVALID_ARGUMENT naming the key for a bad strategy, weight, affinity or deployment (not
// "[alias]model", unknown alias, listed twice), an empty group, or a name with "[".
absl::StatusOr<GroupMap> ParseGroups(const YAML::Node& node,
                                     const std::function<bool(std::string_view)>& known_alias);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_MODEL_GROUP_H_
