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
#include "services/router/call_limits_config.h"
#include "services/router/model_group.h"
#include "services/router/pricing.h"

namespace llmsrouter::router {

struct Timeouts {
  absl::Duration connect = absl::Seconds(10);
  // Until the response headers and first body byte.
  absl::Duration first_byte = absl::Seconds(120);
  // Longest silence between two body chunks.
  absl::Duration idle = absl::Seconds(120);
  absl::Duration total = absl::Minutes(10);
};

struct RetryPolicy {
  // Extra attempts after the first, on connect errors, timeouts before the first byte,
  // 429 and 5xx — only while nothing has reached the client.
  int max_retries = 2;
  absl::Duration base_delay = absl::Milliseconds(250);
  absl::Duration max_delay = absl::Seconds(8);
};

// The API a provider speaks (config `type`).
enum class ProviderType {
  kOpenAi,     // OpenAI-compatible (default)
  kAnthropic,  // Anthropic Messages API (docs/ANTHROPIC.md)
};

struct ProviderConfig {
  std::string alias;
  ProviderType type = ProviderType::kOpenAi;
  // Base URL exactly as written, without a trailing slash ("https://host/api/v3").
  std::string url;
  std::string api_key;
  // Model list shaping (GET /v1/models).
  std::string filter;
  std::vector<std::string> append;
  std::vector<std::string> override_models;
  // Extra headers sent on every upstream request.
  std::vector<std::pair<std::string, std::string>> headers;
  Timeouts timeouts;
  RetryPolicy retry;
  // "[alias]model" tried in order when a call fails before its first byte.
  std::vector<std::string> fallbacks;
  // Cap on concurrent upstream requests to this provider (0 = none); excess calls queue.
  int max_connections = 0;
  // Ask for usage on streams whose client did not, and hide that extra chunk.
  bool stream_usage = true;
};

struct ModelsConfig {
  absl::Duration cache_ttl = absl::Minutes(5);
  absl::Duration timeout = absl::Seconds(5);
  // After a failed refresh the last good list is served and a refresh is retried this soon.
  absl::Duration retry_after_failure = absl::Seconds(10);
};

// What one hostile upstream may make the router hold.
struct LimitsConfig {
  // Largest SSE event still waiting for its terminating blank line.
  size_t sse_event_bytes = size_t{4} << 20;
  // Bytes all calls together may hold from upstreams (pending SSE events and non-streamed
  // bodies, each body also capped at 64 MiB).
  size_t buffered_bytes = size_t{512} << 20;
  // Per-provider and default limits of calls, estimate and failure policy (docs/LIMITS.md).
  CallLimitsConfig calls;
};

struct RouterConfig {
  std::map<std::string, ProviderConfig, std::less<>> providers;
  ModelsConfig models;
  LimitsConfig limits;
  PricingConfig pricing;
  // URL patterns allowed in ?proxy= (empty: URLs are refused); each one parses as a
  // UrlPattern (services/router/proxy_url.h), checked when the config is loaded.
  std::vector<std::string> proxy_allow_urls;
  // Model groups by public name (services/router/model_group.h).
  GroupMap groups;

  const ProviderConfig* Find(std::string_view alias) const;
  // The group called `name`, or null.
  const GroupConfig* FindGroup(std::string_view name) const;
  // "openai, deepseek" — for error messages.
  std::string AliasList() const;
};

// Parses config.yaml text. `${VAR}` and `${VAR:-default}` are replaced from `env`;
// a referenced variable that is unset (without a default) is an error.
// INVALID_ARGUMENT with the offending key for any malformed value, and for any key the loader
// does not read (services/router/config_keys.h), naming its path and the closest known key.
absl::StatusOr<std::shared_ptr<const RouterConfig>> ParseRouterConfig(std::string_view yaml,
                                                                      const EnvLookup& env);

// Reads and parses a file. NOT_FOUND when it does not exist.
absl::StatusOr<std::shared_ptr<const RouterConfig>> LoadRouterConfig(const std::string& path,
                                                                     const EnvLookup& env);

// Replaces ${VAR} / ${VAR:-default} references.
absl::StatusOr<std::string> ExpandEnv(std::string_view text, const EnvLookup& env);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_CONFIG_H_
