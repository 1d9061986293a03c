// Turns a CallRequest into the HTTP request for the chosen provider.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
#define LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
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
};

// Validates the body (a JSON object with a string `model` for POST), resolves the provider,
// rewrites `model` (the only change made to the body) and builds the upstream request.
// INVALID_ARGUMENT for a malformed body or endpoint, NOT_FOUND for an unknown model alias.
// `model_override` ("[alias]model", for fallbacks) replaces the body's model and ignores
// the proxy parameter.
absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override = nullptr);

// "<base>/<endpoint>" with the base exactly as configured.
std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
