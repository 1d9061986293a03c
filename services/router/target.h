// Which provider and upstream model serve a request: auto mode "[alias]model" or proxy mode.
#ifndef LLMSROUTER_SERVICES_ROUTER_TARGET_H_
#define LLMSROUTER_SERVICES_ROUTER_TARGET_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/router/host_resolver.h"
#include "services/router/router_config.h"

namespace llmsrouter::router {

struct ModelName {
  std::string alias;  // empty when the name has no "[alias]" prefix
  std::string model;
};

// "[openai]gpt-4o" -> {"openai", "gpt-4o"}; "gpt-4o" -> {"", "gpt-4o"}.
// INVALID_ARGUMENT for an unterminated "[" or an empty alias.
absl::StatusOr<ModelName> ParseModelName(std::string_view name);

struct Target {
  // Keeps the provider alive across a config reload for the duration of a call.
  std::shared_ptr<const RouterConfig> config;
  const ProviderConfig* provider = nullptr;
  // Set for a URL in ?proxy= that the config allows; `provider` then points here.
  std::shared_ptr<const ProviderConfig> adhoc;
  std::string requested_model;
  std::string upstream_model;
  // For an ad-hoc URL with a DNS name: "host:port:addr,addr", the addresses that were checked,
  // so that the transfer connects to them and not to a later (rebound) answer.
  std::string pinned_resolve;
};

// Auto mode when `proxy` is empty, else the alias in `proxy` picks the provider and the model
// goes upstream as given; a URL in `proxy` is used only when it matches one of the config's
// proxy.allow_urls patterns (see UrlPattern) and, when its host is a DNS name, when `resolver`
// finds only public addresses for it (an IP literal the pattern matched counts as named by
// the operator). The lookup blocks the calling thread; without a resolver DNS names are
// refused. NOT_FOUND (code model_not_found) names the configured aliases; INVALID_ARGUMENT for
// a missing model or a malformed URL (code invalid_proxy_url), PERMISSION_DENIED (code
// proxy_url_not_allowed) for a URL that is not allowed or resolves to an internal address.
absl::StatusOr<Target> ResolveTarget(std::shared_ptr<const RouterConfig> config,
                                     std::string_view model, std::string_view proxy,
                                     HostResolver* resolver = nullptr);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_TARGET_H_
