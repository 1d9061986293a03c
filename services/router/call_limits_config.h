// Limits of calls set in config.yaml (docs/LIMITS.md): per-provider limits shared by every user
// and replica, default limits for users without their own, the default completion estimate and
// the failure policy when the limits store is unreachable. Part of the immutable RouterConfig.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_LIMITS_CONFIG_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_LIMITS_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter::router {

struct CallLimitsConfig {
  // limits.providers.<alias>: rpm, tpm and parallel of all calls to that provider together.
  std::map<std::string, auth::v1::Limits, std::less<>> providers;
  // limits.default: the limits of a user who has none of its own (all zero: none).
  auth::v1::Limits default_user;
  // The completion estimate of a request that states no max_tokens (0 for embeddings).
  int64_t default_completion_tokens = 1024;
  // When the limits store is unreachable: admit users with only rate limits (open) and refuse
  // users with a budget (closed, 503); either can be switched.
  bool rate_limits_fail_open = true;
  bool budgets_fail_open = false;

  // The provider's limits for everyone, or null.
  const auth::v1::Limits* FindProvider(std::string_view alias) const {
    auto it = providers.find(alias);
    return it == providers.end() ? nullptr : &it->second;
  }
};

// Reads the keys above from the `limits` block (absent or null: defaults). INVALID_ARGUMENT
// naming the key for a bad value, or a provider alias `known_alias` does not know.
absl::Status ParseCallLimits(const YAML::Node& limits,
                             const std::function<bool(std::string_view)>& known_alias,
                             CallLimitsConfig* out);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_LIMITS_CONFIG_H_
