#include "services/router/target.h"

#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/proxy_url.h"

namespace llmsrouter::router {

absl::StatusOr<ModelName> ParseModelName(std::string_view name) {
  if (name.empty() || name.front() != '[') return ModelName{"", std::string(name)};
  size_t close = name.find(']');
  if (close == std::string_view::npos) {
    return WithOpenAiDetails(
        absl::InvalidArgumentError(StrCat("model '", name, "' has an unterminated '['")), "model",
        "");
  }
  if (close == 1) {
    return WithOpenAiDetails(
        absl::InvalidArgumentError(StrCat("model '", name, "' has an empty provider alias")),
        "model", "");
  }
  return ModelName{std::string(name.substr(1, close - 1)), std::string(name.substr(close + 1))};
}

namespace {

absl::Status NotAllowed(const RouterConfig& config, std::string_view why) {
  return WithOpenAiDetails(absl::PermissionDeniedError(
                               StrCat("the URL in ?proxy= is not allowed by this gateway's "
                                      "proxy.allow_urls (",
                                      why, "); use a provider alias (", config.AliasList(), ")")),
                           "proxy", "proxy_url_not_allowed");
}

// The addresses of a DNS-named host, when all of them are public; else the refusal.
absl::StatusOr<std::string> CheckedAddresses(const RouterConfig& config, const ProxyUrl& url,
                                             HostResolver* resolver) {
  if (resolver == nullptr) return NotAllowed(config, "its host cannot be checked");
  auto addresses = resolver->Resolve(url.host);
  if (!addresses.ok()) {
    if (addresses.status().code() == absl::StatusCode::kNotFound) {
      return WithOpenAiDetails(
          absl::InvalidArgumentError(StrCat("the host in ?proxy= has no address: ", url.host)),
          "proxy", "invalid_proxy_url");
    }
    return WithOpenAiDetails(
        absl::UnavailableError(StrCat("cannot resolve the host in ?proxy=: ", url.host)), "proxy",
        "upstream_error");
  }
  std::string pinned = StrCat(url.HostPort(), ":");
  for (size_t i = 0; i < addresses->size(); ++i) {
    const IpAddress& address = (*addresses)[i];
    if (IsInternalAddress(address)) {
      return NotAllowed(config, "its host resolves to a loopback, private or link-local address");
    }
    StrAppend(&pinned, i == 0 ? "" : ",", address.v6 ? "[" : "", address.ToString(),
              address.v6 ? "]" : "");
  }
  return pinned;
}

absl::StatusOr<Target> ResolveProxyUrl(std::shared_ptr<const RouterConfig> config,
                                       std::string_view model, std::string_view text,
                                       HostResolver* resolver) {
  auto url = ParseProxyUrl(text);
  if (!url.ok()) {
    return WithOpenAiDetails(
        absl::InvalidArgumentError(StrCat("invalid URL in ?proxy=: ", url.status().message())),
        "proxy", "invalid_proxy_url");
  }
  bool matched = false;
  for (const std::string& entry : config->proxy_allow_urls) {
    auto pattern = UrlPattern::Parse(entry);  // validated when the config was loaded
    matched = matched || (pattern.ok() && pattern->Matches(*url));
  }
  if (!matched) return NotAllowed(*config, "no entry matches it");
  Target target;
  // A matched IP literal was named by the operator's pattern; a DNS name must resolve to
  // public addresses only, and the transfer is pinned to them.
  if (!url->address) {
    auto pinned = CheckedAddresses(*config, *url, resolver);
    if (!pinned.ok()) return pinned.status();
    target.pinned_resolve = *std::move(pinned);
  }
  auto provider = std::make_shared<ProviderConfig>();
  provider->url = url->Base();
  provider->alias = provider->url;
  provider->stream_usage = false;  // an unknown server: send exactly what the client sent
  target.requested_model = target.upstream_model = std::string(model);
  target.provider = provider.get();
  target.adhoc = std::move(provider);
  target.config = std::move(config);
  return target;
}

}  // namespace

absl::StatusOr<Target> ResolveTarget(std::shared_ptr<const RouterConfig> config,
                                     std::string_view model, std::string_view proxy,
                                     HostResolver* resolver) {
  if (model.empty()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'model' is required"), "model", "");
  }
  Target target;
  target.requested_model = std::string(model);
  std::string alias;
  if (!proxy.empty()) {
    if (Contains(proxy, "://") || Contains(proxy, "/"))
      return ResolveProxyUrl(config, model, proxy, resolver);
    alias = std::string(proxy);
    target.upstream_model = std::string(model);
  } else {
    auto parsed = ParseModelName(model);
    if (!parsed.ok()) return parsed.status();
    if (parsed->alias.empty()) {
      return WithOpenAiDetails(
          absl::NotFoundError(StrCat("model '", model,
                                     "' names no provider; use '[alias]model' or "
                                     "?proxy=alias with one of: ",
                                     config->AliasList())),
          "model", "model_not_found");
    }
    alias = parsed->alias;
    target.upstream_model = parsed->model;
  }
  target.provider = config->Find(alias);
  if (target.provider == nullptr) {
    return WithOpenAiDetails(
        absl::NotFoundError(
            StrCat("unknown provider '", alias, "'; configured providers: ", config->AliasList())),
        proxy.empty() ? "model" : "proxy", "model_not_found");
  }
  target.config = std::move(config);
  return target;
}

}  // namespace llmsrouter::router
