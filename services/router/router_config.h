// Provider configuration (config.yaml), parsed and validated once into an immutable object.
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_CONFIG_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_CONFIG_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/options.h"

namespace llmsrouter::router {

struct ProviderConfig {
  std::string alias;
  // Base URL exactly as written, without a trailing slash ("https://host/api/v3").
  std::string url;
  std::string api_key;
  // Model list shaping (GET /v1/models).
  std::string filter;
  std::vector<std::string> append;
  std::vector<std::string> override_models;
  // Extra headers sent on every upstream request.
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration total_timeout = absl::Minutes(10);
};

struct RouterConfig {
  std::map<std::string, ProviderConfig, std::less<>> providers;

  const ProviderConfig* Find(std::string_view alias) const;
  // "openai, deepseek" — for error messages.
  std::string AliasList() const;
};

// Parses config.yaml text. `${VAR}` and `${VAR:-default}` are replaced from `env`;
// a referenced variable that is unset (without a default) is an error.
// INVALID_ARGUMENT with the offending key for any malformed value.
absl::StatusOr<std::shared_ptr<const RouterConfig>> ParseRouterConfig(std::string_view yaml,
                                                                      const EnvLookup& env);

// Reads and parses a file. NOT_FOUND when it does not exist.
absl::StatusOr<std::shared_ptr<const RouterConfig>> LoadRouterConfig(const std::string& path,
                                                                     const EnvLookup& env);

// Replaces ${VAR} / ${VAR:-default} references.
absl::StatusOr<std::string> ExpandEnv(std::string_view text, const EnvLookup& env);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_CONFIG_H_
