#include "services/router/target.h"

#include "common/status_map.h"
#include "common/strings.h"

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

absl::StatusOr<Target> ResolveProxyUrl(std::shared_ptr<const RouterConfig> config,
                                       std::string_view model, std::string_view url) {
  while (url.ends_with('/')) url.remove_suffix(1);
  bool allowed = url.starts_with("http://") || url.starts_with("https://");
  bool matched = false;
  for (const std::string& pattern : config->proxy_allow_urls) {
    matched = matched || GlobMatch(pattern, url);
  }
  if (!allowed || !matched) {
    return WithOpenAiDetails(
        absl::PermissionDeniedError(StrCat("the URL in ?proxy= is not allowed by this gateway's "
                                           "proxy.allow_urls; use a provider alias (",
                                           config->AliasList(), ")")),
        "proxy", "proxy_url_not_allowed");
  }
  auto provider = std::make_shared<ProviderConfig>();
  provider->alias = std::string(url);
  provider->url = std::string(url);
  while (provider->url.ends_with('/')) provider->url.pop_back();
  provider->stream_usage = false;  // an unknown server: send exactly what the client sent
  Target target;
  target.requested_model = target.upstream_model = std::string(model);
  target.provider = provider.get();
  target.adhoc = std::move(provider);
  target.config = std::move(config);
  return target;
}

absl::StatusOr<Target> ResolveTarget(std::shared_ptr<const RouterConfig> config,
                                     std::string_view model, std::string_view proxy) {
  if (model.empty()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'model' is required"), "model", "");
  }
  Target target;
  target.requested_model = std::string(model);
  std::string alias;
  if (!proxy.empty()) {
    if (Contains(proxy, "://") || Contains(proxy, "/"))
      return ResolveProxyUrl(config, model, proxy);
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
