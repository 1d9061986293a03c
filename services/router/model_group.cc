#include "services/router/model_group.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "common/strings.h"
#include "services/router/target.h"

namespace llmsrouter::router {
namespace {

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(where, " ", what));
}

absl::Status ParseSeconds(const YAML::Node& node, const std::string& where, absl::Duration* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || value <= 0) {
    return Invalid(where, "must be a positive number of seconds");
  }
  *out = absl::Seconds(value);
  return absl::OkStatus();
}

absl::Status ParseStrategy(const YAML::Node& node, const std::string& where, PickStrategy* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  std::string name = node.IsScalar() ? node.Scalar() : "";
  for (PickStrategy s :
       {PickStrategy::kWeighted, PickStrategy::kLeastBusy, PickStrategy::kLatency}) {
    if (name == StrategyName(s)) {
      *out = s;
      return absl::OkStatus();
    }
  }
  return Invalid(where, "must be one of weighted, least_busy, latency");
}

absl::Status ParseAffinity(const YAML::Node& node, const std::string& where, AffinityConfig* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap() || node.size() != 1 || !node.begin()->second.IsScalar()) {
    return Invalid(where, "must be {header: NAME} or {field: NAME}");
  }
  std::string value = node.begin()->second.Scalar();
  if (node["header"]) {
    out->header = Lower(value);
    const auto& known = kAffinityHeaders;
    if (std::find(std::begin(known), std::end(known), out->header) == std::end(known)) {
      return Invalid(where + ".header",
                     "must be a header the gateway forwards: X-Session-Id or X-Affinity-Key");
    }
  } else if (node["field"] && !value.empty()) {
    out->field = value;
  } else {
    return Invalid(where, "must be {header: NAME} or {field: NAME}");
  }
  return absl::OkStatus();
}

absl::StatusOr<GroupDeployment> ParseDeployment(
    const YAML::Node& node, const std::string& where,
    const std::function<bool(std::string_view)>& known_alias) {
  GroupDeployment d;
  const YAML::Node model = node.IsMap() ? node["model"] : node;
  if (!model || !model.IsScalar()) return Invalid(where, "must be {model: \"[alias]model\"}");
  d.model = model.Scalar();
  auto name = ParseModelName(d.model);
  if (!name.ok() || name->alias.empty() || name->model.empty()) {
    return Invalid(where + ".model", StrCat("must look like [alias]model (got '", d.model, "')"));
  }
  if (!known_alias(name->alias)) {
    return Invalid(where + ".model", StrCat("names unknown provider '", name->alias, "'"));
  }
  d.alias = name->alias;
  if (const YAML::Node weight = node.IsMap() ? node["weight"] : YAML::Node(); weight) {
    if (!weight.IsScalar() || !YAML::convert<int>::decode(weight, d.weight) || d.weight < 1 ||
        d.weight > 1000) {
      return Invalid(where + ".weight", "must be a number from 1 to 1000");
    }
  }
  return d;
}

absl::Status ParseEjection(const YAML::Node& node, const std::string& where, EjectionPolicy* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return Invalid(where, "must be a mapping");
  if (const YAML::Node n = node["consecutive_failures"]; n) {
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, out->consecutive_failures) ||
        out->consecutive_failures < 1) {
      return Invalid(where + ".consecutive_failures", "must be a number >= 1");
    }
  }
  if (auto s = ParseSeconds(node["cooldown"], where + ".cooldown", &out->cooldown); !s.ok()) {
    return s;
  }
  auto s = ParseSeconds(node["max_cooldown"], where + ".max_cooldown", &out->max_cooldown);
  if (s.ok() && out->max_cooldown < out->cooldown) {
    return Invalid(where + ".max_cooldown", "must not be less than cooldown");
  }
  return s;
}

absl::StatusOr<GroupConfig> ParseGroup(const std::string& name, const YAML::Node& node,
                                       const std::function<bool(std::string_view)>& known_alias) {
  std::string where = StrCat("groups.", name);
  if (name.empty() || Contains(name, "[") || Contains(name, "]")) {
    return absl::InvalidArgumentError(StrCat("invalid group name '", name, "'"));
  }
  if (!node.IsMap()) return Invalid(where, "must be a mapping");
  GroupConfig group;
  group.name = name;
  if (auto s = ParseStrategy(node["strategy"], where + ".strategy", &group.strategy); !s.ok()) {
    return s;
  }
  if (auto s = ParseAffinity(node["affinity"], where + ".affinity", &group.affinity); !s.ok()) {
    return s;
  }
  if (auto s = ParseEjection(node["ejection"], where + ".ejection", &group.ejection); !s.ok()) {
    return s;
  }
  if (const YAML::Node check = node["health_check"]; check && !check.IsNull()) {
    if (!check.IsMap()) return Invalid(where + ".health_check", "must be a mapping");
    auto s = ParseSeconds(check["interval"], where + ".health_check.interval",
                          &group.health_check_interval);
    if (!s.ok()) return s;
  }
  const YAML::Node list = node["deployments"];
  if (!list || !list.IsSequence() || list.size() == 0) {
    return Invalid(where + ".deployments", "must be a non-empty list");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    auto d = ParseDeployment(list[i], StrCat(where, ".deployments[", i, "]"), known_alias);
    if (!d.ok()) return d.status();
    for (const GroupDeployment& other : group.deployments) {
      if (other.model == d->model) {
        return Invalid(StrCat(where, ".deployments[", i, "]"), StrCat("repeats ", d->model));
      }
    }
    group.deployments.push_back(*std::move(d));
  }
  return group;
}

}  // namespace

std::string_view StrategyName(PickStrategy strategy) {
  switch (strategy) {
    case PickStrategy::kLeastBusy:
      return "least_busy";
    case PickStrategy::kLatency:
      return "latency";
    default:
      return "weighted";
  }
}

absl::StatusOr<GroupMap> ParseGroups(const YAML::Node& node,
                                     const std::function<bool(std::string_view)>& known_alias) {
  GroupMap groups;
  if (!node || node.IsNull()) return groups;
  if (!node.IsMap()) return absl::InvalidArgumentError("groups must be a mapping");
  for (const auto& entry : node) {
    std::string name = entry.first.as<std::string>();
    auto group = ParseGroup(name, entry.second, known_alias);
    if (!group.ok()) return group.status();
    groups.emplace(name, *std::move(group));
  }
  return groups;
}

}  // namespace llmsrouter::router
