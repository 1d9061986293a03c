// Turns a CallRequest into the HTTP request for the chosen provider.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
#define LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/anthropic/translation.h"
#include "services/router/http_client.h"
#include "services/router/router_config.h"
#include "services/router/target.h"

namespace llmsrouter::router {

struct PreparedCall {
  Target target;
  HttpRequest http;
  bool stream = false;
  std::string endpoint;
  // stream_options.include_usage was added by the router (see ProviderConfig::stream_usage).
  bool hide_usage_chunk = false;
  // Anthropic Messages <-> chat translation of this attempt (services/router/anthropic).
  Translation translation = Translation::kNone;
  // kChatToMessages: the chat client asked for the usage chunk.
  bool include_usage = false;
  // Set when the router answers itself (a count_tokens estimate): no upstream request.
  std::optional<std::string> local_answer;
};

// Validates the body (a JSON object with a string `model` for POST), resolves the provider,
// rewrites `model` (the only change made to the body) and builds the upstream request.
// INVALID_ARGUMENT for a malformed body or endpoint, NOT_FOUND for an unknown model alias.
// `model_override` ("[alias]model", for fallbacks) replaces the body's model and ignores
// the proxy parameter.
absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override = nullptr);

// A request body parsed once per call and shared by the trace and the upstream request
// (field order kept). Discarded (is_discarded()) when the body is not JSON.
using JsonBody = nlohmann::ordered_json;
JsonBody ParseBody(const std::string& body);
// The same, with the body already parsed by ParseBody(request.body()); consumes `body`.
// `resolver` checks the DNS name of an ad-hoc ?proxy= URL (see ResolveTarget).
absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request, JsonBody body,
                                         const std::string* model_override = nullptr,
                                         HostResolver* resolver = nullptr);

// The byte range [first, second) of the value of the top-level `key` in `json`, a JSON
// object already known to be valid; nullopt when absent or when a key is escaped.
std::optional<std::pair<size_t, size_t>> TopLevelValueRange(std::string_view json,
                                                            std::string_view key);

// "<base>/<endpoint>" with the base exactly as configured.
std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
