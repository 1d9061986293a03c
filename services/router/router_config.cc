#include "services/router/router_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "services/router/config_keys.h"
#include "services/router/proxy_url.h"

namespace llmsrouter::router {
namespace {

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& node,
                                                    std::string_view where) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) {
    return absl::InvalidArgumentError(StrCat(where, " must be a list of strings"));
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      return absl::InvalidArgumentError(StrCat(where, " must be a list of strings"));
    }
    out.push_back(item.as<std::string>());
  }
  return out;
}

absl::StatusOr<absl::Duration> Seconds(const YAML::Node& node, std::string_view where,
                                       absl::Duration fallback) {
  if (!node || node.IsNull()) return fallback;
  double value = 0;
  if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || value <= 0) {
    return absl::InvalidArgumentError(StrCat(where, " must be a positive number of seconds"));
  }
  return absl::Seconds(value);
}

absl::Status ParseDuration(const YAML::Node& parent, const char* key, const std::string& where,
                           absl::Duration* out) {
  if (!parent || !parent.IsMap()) return absl::OkStatus();
  auto value = Seconds(parent[key], StrCat(where, ".", key), *out);
  if (!value.ok()) return value.status();
  *out = *value;
  return absl::OkStatus();
}

absl::Status ParseTimeouts(const YAML::Node& node, const std::string& where, Timeouts* t) {
  if (node && !node.IsNull() && !node.IsMap()) {
    return absl::InvalidArgumentError(StrCat(where, " must be a mapping"));
  }
  for (auto [key, field] :
       {std::pair{"connect", &t->connect}, std::pair{"first_byte", &t->first_byte},
        std::pair{"idle", &t->idle}, std::pair{"total", &t->total}}) {
    if (auto status = ParseDuration(node, key, where, field); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status ParseRetry(const YAML::Node& node, const std::string& where, RetryPolicy* r) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return absl::InvalidArgumentError(StrCat(where, " must be a mapping"));
  if (const auto& max = node["max"]; max) {
    int value = -1;
    if (!max.IsScalar() || !YAML::convert<int>::decode(max, value) || value < 0 || value > 10) {
      return absl::InvalidArgumentError(StrCat(where, ".max must be a number from 0 to 10"));
    }
    r->max_retries = value;
  }
  if (auto s = ParseDuration(node, "base_delay", where, &r->base_delay); !s.ok()) return s;
  return ParseDuration(node, "max_delay", where, &r->max_delay);
}

absl::Status ParseBool(const YAML::Node& node, const std::string& where, bool* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, *out)) {
    return absl::InvalidArgumentError(StrCat(where, " must be true or false"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProviderConfig> ParseProvider(const std::string& alias, const YAML::Node& node) {
  std::string where = StrCat("servers.", alias);
  if (!node.IsMap()) return absl::InvalidArgumentError(StrCat(where, " must be a mapping"));
  if (alias.empty() || Contains(alias, "[") || Contains(alias, "]")) {
    return absl::InvalidArgumentError(StrCat("invalid provider alias '", alias, "'"));
  }
  ProviderConfig p;
  p.alias = alias;
  if (!node["url"] || !node["url"].IsScalar() || node["url"].as<std::string>().empty()) {
    return absl::InvalidArgumentError(StrCat(where, ".url is required"));
  }
  p.url = node["url"].as<std::string>();
  while (p.url.ends_with('/')) p.url.pop_back();
  if (!p.url.starts_with("http://") && !p.url.starts_with("https://")) {
    return absl::InvalidArgumentError(
        StrCat(where, ".url must start with http:// or https:// (got '", p.url, "')"));
  }
  if (const auto& type = node["type"]; type && !type.IsNull()) {
    std::string name = type.IsScalar() ? type.as<std::string>() : "";
    if (name != "openai" && name != "anthropic") {
      return absl::InvalidArgumentError(StrCat(where, ".type must be openai or anthropic"));
    }
    if (name == "anthropic") p.type = ProviderType::kAnthropic;
  }
  if (node["api_key"] && node["api_key"].IsScalar()) p.api_key = node["api_key"].as<std::string>();
  if (node["filter"] && node["filter"].IsScalar()) p.filter = node["filter"].as<std::string>();
  for (auto [key, list] :
       {std::pair{"append", &p.append}, std::pair{"override", &p.override_models},
        std::pair{"fallbacks", &p.fallbacks}}) {
    auto values = StringList(node[key], StrCat(where, ".", key));
    if (!values.ok()) return values.status();
    *list = *std::move(values);
  }
  for (const std::string& fallback : p.fallbacks) {
    if (!fallback.starts_with("[") || !Contains(fallback, "]")) {
      return absl::InvalidArgumentError(
          StrCat(where, ".fallbacks entries must look like [alias]model (got '", fallback, "')"));
    }
  }
  if (const auto& headers = node["headers"]; headers && !headers.IsNull()) {
    if (!headers.IsMap()) return absl::InvalidArgumentError(where + ".headers must be a mapping");
    for (const auto& h : headers) {
      p.headers.emplace_back(h.first.as<std::string>(), h.second.as<std::string>());
    }
  }
  if (auto s = ParseTimeouts(node["timeouts"], where + ".timeouts", &p.timeouts); !s.ok()) return s;
  if (auto s = ParseRetry(node["retries"], where + ".retries", &p.retry); !s.ok()) return s;
  if (auto s = ParseBool(node["stream_usage"], where + ".stream_usage", &p.stream_usage); !s.ok()) {
    return s;
  }
  if (const auto& max = node["max_connections"]; max) {
    if (!max.IsScalar() || !YAML::convert<int>::decode(max, p.max_connections) ||
        p.max_connections < 0) {
      return absl::InvalidArgumentError(StrCat(where, ".max_connections must be a number >= 0"));
    }
  }
  return p;
}

absl::Status ParseLimits(const YAML::Node& node, LimitsConfig* limits) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return absl::InvalidArgumentError("limits must be a mapping");
  for (auto [key, field] : {std::pair{"sse_event_bytes", &limits->sse_event_bytes},
                            std::pair{"buffered_bytes", &limits->buffered_bytes}}) {
    const YAML::Node value = node[key];
    if (!value || value.IsNull()) continue;
    uint64_t bytes = 0;
    if (!value.IsScalar() || !YAML::convert<uint64_t>::decode(value, bytes) || bytes < 1024) {
      return absl::InvalidArgumentError(
          StrCat("limits.", key, " must be a number of bytes >= 1024"));
    }
    *field = static_cast<size_t>(bytes);
  }
  return absl::OkStatus();
}

absl::Status ParseTopLevel(const YAML::Node& root, RouterConfig* config) {
  if (const auto& models = root["models"]; models && !models.IsNull()) {
    if (!models.IsMap()) return absl::InvalidArgumentError("models must be a mapping");
    for (auto [key, field] :
         {std::pair{"cache_ttl", &config->models.cache_ttl},
          std::pair{"timeout", &config->models.timeout},
          std::pair{"retry_after_failure", &config->models.retry_after_failure}}) {
      if (auto s = ParseDuration(models, key, "models", field); !s.ok()) return s;
    }
  }
  if (const auto& proxy = root["proxy"]; proxy && !proxy.IsNull()) {
    if (!proxy.IsMap()) return absl::InvalidArgumentError("proxy must be a mapping");
    auto urls = StringList(proxy["allow_urls"], "proxy.allow_urls");
    if (!urls.ok()) return urls.status();
    for (size_t i = 0; i < urls->size(); ++i) {
      if (auto pattern = UrlPattern::Parse((*urls)[i]); !pattern.ok()) {
        return absl::InvalidArgumentError(
            StrCat("proxy.allow_urls[", i, "]: ", pattern.status().message()));
      }
    }
    config->proxy_allow_urls = *std::move(urls);
  }
  if (auto s = ParsePricing(root["pricing"], &config->pricing); !s.ok()) return s;
  return ParseLimits(root["limits"], &config->limits);
}

}  // namespace

const ProviderConfig* RouterConfig::Find(std::string_view alias) const {
  auto it = providers.find(alias);
  return it == providers.end() ? nullptr : &it->second;
}

const GroupConfig* RouterConfig::FindGroup(std::string_view name) const {
  auto it = groups.find(name);
  return it == groups.end() ? nullptr : &it->second;
}

std::string RouterConfig::AliasList() const {
  std::vector<std::string> aliases;
  for (const auto& [alias, provider] : providers) aliases.push_back(alias);
  return aliases.empty() ? "(none configured)" : Join(aliases, ", ");
}

absl::StatusOr<std::string> ExpandEnv(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find("${", pos);
    if (start == std::string_view::npos) break;
    size_t end = text.find('}', start);
    if (end == std::string_view::npos) break;
    out.append(text.substr(pos, start - pos));
    std::string_view ref = text.substr(start + 2, end - start - 2);
    std::string_view name = ref;
    std::optional<std::string_view> fallback;
    if (size_t dash = ref.find(":-"); dash != std::string_view::npos) {
      name = ref.substr(0, dash);
      fallback = ref.substr(dash + 2);
    }
    auto value = env(name);
    if (value && (!value->empty() || !fallback)) {
      out.append(*value);
    } else if (fallback) {
      out.append(*fallback);
    } else {
      return absl::InvalidArgumentError(
          StrCat("config references ${", name, "} but that environment variable is not set"));
    }
    pos = end + 1;
  }
  out.append(text.substr(pos));
  return out;
}

namespace {

// Expands ${VAR} in every scalar value (never in keys or comments).
absl::Status ExpandScalars(YAML::Node node, const EnvLookup& env) {
  if (node.IsScalar()) {
    auto expanded = ExpandEnv(node.Scalar(), env);
    if (!expanded.ok()) return expanded.status();
    if (*expanded != node.Scalar()) node = *expanded;
    return absl::OkStatus();
  }
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (auto s = ExpandScalars(node[i], env); !s.ok()) return s;
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (auto s = ExpandScalars(it->second, env); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RouterConfig>> ParseRouterConfig(std::string_view yaml,
                                                                      const EnvLookup& env) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
    if (auto status = ExpandScalars(root, env); !status.ok()) return status;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("config is not valid YAML: ", e.what()));
  }
  auto config = std::make_shared<RouterConfig>();
  if (!root || root.IsNull()) return config;
  if (!root.IsMap()) return absl::InvalidArgumentError("config must be a mapping");
  try {
    if (auto status = CheckConfigKeys(root); !status.ok()) return status;
    if (auto status = ParseTopLevel(root, config.get()); !status.ok()) return status;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("config: ", e.what()));
  }
  const YAML::Node servers = root["servers"];
  if (servers && !servers.IsNull()) {
    if (!servers.IsMap()) return absl::InvalidArgumentError("servers must be a mapping");
    try {
      for (const auto& entry : servers) {
        std::string alias = entry.first.as<std::string>();
        auto provider = ParseProvider(alias, entry.second);
        if (!provider.ok()) return provider.status();
        config->providers.emplace(alias, *std::move(provider));
      }
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(StrCat("config: ", e.what()));
    }
  }
  try {
    auto groups = ParseGroups(
        root["groups"], [&](std::string_view alias) { return config->Find(alias) != nullptr; });
    if (!groups.ok()) return groups.status();
    config->groups = *std::move(groups);
    auto known = [&](std::string_view alias) { return config->Find(alias) != nullptr; };
    if (auto s = ParseCallLimits(root["limits"], known, &config->limits.calls); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(StrCat("config: ", e.what()));
  }
  return config;
}

absl::StatusOr<std::shared_ptr<const RouterConfig>> LoadRouterConfig(const std::string& path,
                                                                     const EnvLookup& env) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(StrCat("cannot read config file ", path));
  std::stringstream buffer;
  buffer << file.rdbuf();
  auto config = ParseRouterConfig(buffer.str(), env);
  if (!config.ok()) {
    return absl::Status(config.status().code(), StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace llmsrouter::router
