#include "services/router/config_keys.h"

#include <algorithm>
#include <numeric>

#include "common/strings.h"

namespace llmsrouter::router {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Dotted(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : StrCat(path, ".", key);
}

// Checks one mapping against the table entry `pattern`; `path` names it with real aliases.
absl::Status CheckMapping(const YAML::Node& node, std::string_view pattern, std::string_view path) {
  if (!node || !node.IsMap()) return absl::OkStatus();
  const std::vector<std::string>& known = KnownConfigKeys().find(pattern)->second;
  for (const auto& entry : node) {
    std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "(a non-scalar key)";
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string message = StrCat("unknown key '", key, "' at ", Dotted(path, key));
    if (std::string closest = ClosestKey(key, known); !closest.empty()) {
      StrAppend(&message, "; did you mean '", closest, "'?");
    } else {
      StrAppend(&message, " (known keys", path.empty() ? "" : StrCat(" of ", path), ": ",
                Join(known, ", "), ")");
    }
    return absl::InvalidArgumentError(message);
  }
  return absl::OkStatus();
}

// groups.<name> and its blocks; each deployment of a list is a mapping of its own.
absl::Status CheckGroupKeys(const YAML::Node& groups) {
  if (!groups || !groups.IsMap()) return absl::OkStatus();
  for (const auto& entry : groups) {
    if (!entry.first.IsScalar()) continue;  // the loader refuses it
    std::string where = StrCat("groups.", entry.first.Scalar());
    if (auto s = CheckMapping(entry.second, "groups.*", where); !s.ok()) return s;
    if (!entry.second.IsMap()) continue;
    for (const char* block : {"affinity", "ejection", "health_check"}) {
      if (auto s = CheckMapping(entry.second[block], StrCat("groups.*.", block),
                                StrCat(where, ".", block));
          !s.ok()) {
        return s;
      }
    }
    const YAML::Node list = entry.second["deployments"];
    if (!list || !list.IsSequence()) continue;
    for (size_t i = 0; i < list.size(); ++i) {
      auto s =
          CheckMapping(list[i], "groups.*.deployments.*", StrCat(where, ".deployments[", i, "]"));
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// limits.failure_policy, limits.default and limits.providers.<alias>.
absl::Status CheckLimitsKeys(const YAML::Node& limits) {
  if (!limits || !limits.IsMap()) return absl::OkStatus();
  for (const char* block : {"failure_policy", "default"}) {
    std::string where = StrCat("limits.", block);
    if (auto s = CheckMapping(limits[block], where, where); !s.ok()) return s;
  }
  const YAML::Node providers = limits["providers"];
  if (!providers || !providers.IsMap()) return absl::OkStatus();
  for (const auto& entry : providers) {
    if (!entry.first.IsScalar()) continue;  // the loader refuses it
    std::string where = StrCat("limits.providers.", entry.first.Scalar());
    if (auto s = CheckMapping(entry.second, "limits.providers.*", where); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

const std::map<std::string, std::vector<std::string>, std::less<>>& KnownConfigKeys() {
  static const auto* const keys = new std::map<std::string, std::vector<std::string>, std::less<>>{
      {"", {"servers", "models", "proxy", "limits", "groups", "pricing"}},
      {"pricing", {"require", "models"}},
      {"pricing.models.*", {"input", "cached_input", "output"}},
      {"models", {"cache_ttl", "timeout", "retry_after_failure"}},
      {"proxy", {"allow_urls"}},
      {"limits",
       {"sse_event_bytes", "buffered_bytes", "default_completion_tokens", "failure_policy",
        "default", "providers"}},
      {"limits.failure_policy", {"rate_limits", "budgets"}},
      {"limits.default", {"rpm", "tpm", "parallel", "budget", "period"}},
      {"limits.providers.*", {"rpm", "tpm", "parallel"}},
      {"servers.*",
       {"url", "type", "api_key", "filter", "append", "override", "fallbacks", "headers",
        "timeouts", "retries", "stream_usage", "max_connections"}},
      {"servers.*.timeouts", {"connect", "first_byte", "idle", "total"}},
      {"servers.*.retries", {"max", "base_delay", "max_delay"}},
      {"groups.*", {"strategy", "affinity", "deployments", "ejection", "health_check"}},
      {"groups.*.affinity", {"header", "field"}},
      {"groups.*.deployments.*", {"model", "weight"}},
      {"groups.*.ejection", {"consecutive_failures", "cooldown", "max_cooldown"}},
      {"groups.*.health_check", {"interval"}},
  };
  return *keys;
}

std::string ClosestKey(std::string_view key, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, key.size() / 3) + 1;
  for (const std::string& candidate : known) {
    size_t distance = EditDistance(Lower(key), candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

absl::Status CheckConfigKeys(const YAML::Node& root) {
  if (auto s = CheckMapping(root, "", ""); !s.ok()) return s;
  if (!root.IsMap()) return absl::OkStatus();
  for (const char* block : {"models", "proxy", "limits", "pricing"}) {
    if (auto s = CheckMapping(root[block], block, block); !s.ok()) return s;
  }
  if (auto s = CheckGroupKeys(root["groups"]); !s.ok()) return s;
  if (auto s = CheckLimitsKeys(root["limits"]); !s.ok()) return s;
  const YAML::Node prices = root["pricing"];
  const YAML::Node priced = prices && prices.IsMap() ? prices["models"] : YAML::Node();
  if (priced && priced.IsMap()) {
    for (const auto& entry : priced) {
      if (!entry.first.IsScalar()) continue;  // the loader refuses it
      std::string where = StrCat("pricing.models.", entry.first.Scalar());
      if (auto s = CheckMapping(entry.second, "pricing.models.*", where); !s.ok()) return s;
    }
  }
  const YAML::Node servers = root["servers"];
  if (!servers || !servers.IsMap()) return absl::OkStatus();
  for (const auto& entry : servers) {
    if (!entry.first.IsScalar()) continue;  // the loader refuses it
    std::string where = StrCat("servers.", entry.first.Scalar());
    if (auto s = CheckMapping(entry.second, "servers.*", where); !s.ok()) return s;
    if (!entry.second.IsMap()) continue;
    for (const char* block : {"timeouts", "retries"}) {
      if (auto s = CheckMapping(entry.second[block], StrCat("servers.*.", block),
                                StrCat(where, ".", block));
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace llmsrouter::router
