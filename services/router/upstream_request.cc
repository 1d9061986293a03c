#include "services/router/upstream_request.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/json_limits.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/anthropic/anthropic_call.h"

namespace llmsrouter::router {
namespace {

bool ValidEndpoint(std::string_view endpoint) {
  if (endpoint.empty() || endpoint.front() == '/' || Contains(endpoint, "..")) {
    return false;
  }
  for (char c : endpoint) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' &&
        c != '.')
      return false;
  }
  return true;
}

size_t SkipWhitespace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// `s[i]` is the opening quote; returns the index after the closing one.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// Returns the index after the value starting at `s[i]`.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++i;
      if (depth == 0) return i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\n' && s[i] != '\r')
    ++i;
  return i;
}

}  // namespace

std::optional<std::pair<size_t, size_t>> TopLevelValueRange(std::string_view json,
                                                            std::string_view key) {
  std::optional<std::pair<size_t, size_t>> found;
  size_t i = SkipWhitespace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  i = SkipWhitespace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    size_t key_end = SkipString(json, i);
    std::string_view name = json.substr(i + 1, key_end - i - 2);
    if (name.find('\\') != std::string_view::npos) return std::nullopt;  // escaped key: unsure
    i = SkipWhitespace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    size_t value = SkipWhitespace(json, i + 1);
    i = SkipValue(json, value);
    if (name == key) found.emplace(value, i);  // the last one wins, as in the parsed body
    i = SkipWhitespace(json, i);
    if (i < json.size() && json[i] == ',') i = SkipWhitespace(json, i + 1);
  }
  return found;
}

std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint) {
  return StrCat(provider.url, "/", endpoint);
}

JsonBody ParseBody(const std::string& body) { return ParseUntrustedJson<JsonBody>(body); }

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override) {
  return PrepareCall(std::move(config), request, ParseBody(request.body()), model_override);
}

namespace {

// The request as the client sent it: a valid endpoint and a JSON object with a string
// `model` and an optional boolean `stream`. Sets `call->endpoint` and `call->stream`.
absl::Status ValidateRequest(const v1::CallRequest& request, const JsonBody& body,
                             PreparedCall* call) {
  call->endpoint = request.endpoint();
  if (!ValidEndpoint(call->endpoint)) {
    return absl::InvalidArgumentError(StrCat("invalid endpoint '", call->endpoint, "'"));
  }
  if (body.is_discarded() || !body.is_object()) {
    return absl::InvalidArgumentError(
        "request body must be a JSON object (we could not parse your JSON body)");
  }
  auto model = body.find("model");
  if (model == body.end() || !model->is_string()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'model' is required and must be a string"),
                             "model", "");
  }
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_boolean() && !stream->is_null()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'stream' must be a boolean"), "stream",
                             "");
  }
  call->stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  return absl::OkStatus();
}

// The provider and upstream model for `model` (or the override), if the caller may use it.
absl::StatusOr<Target> ResolveAllowedTarget(std::shared_ptr<const RouterConfig> config,
                                            const v1::CallRequest& request,
                                            const std::string& model,
                                            const std::string* model_override,
                                            HostResolver* resolver) {
  if (model_override == nullptr && !request.model_override().empty()) {
    model_override = &request.model_override();
  }
  auto target = model_override != nullptr
                    ? ResolveTarget(std::move(config), *model_override, "")
                    : ResolveTarget(std::move(config), model, request.proxy(), resolver);
  if (!target.ok() || !request.restrict_providers()) return target;
  const auto& allowed = request.allowed_providers();
  if (std::find(allowed.begin(), allowed.end(), target->provider->alias) != allowed.end()) {
    return target;
  }
  return WithOpenAiDetails(
      absl::PermissionDeniedError(
          target->adhoc  // its "alias" is the URL, credentials and all
              ? std::string("you are not permitted to use a URL in ?proxy=")
              : StrCat("you are not permitted to use provider '", target->provider->alias, "'")),
      "model", "provider_not_permitted");
}

// The body goes upstream as the client wrote it, with two possible edits spliced into the
// text: the model's value, and stream_options appended when the router asks for usage.
// Anything else (stream_options present but without include_usage, escaped keys) is
// re-serialized from the parsed body. Sets `call->hide_usage_chunk`.
std::string EditBody(const std::string& text, JsonBody& body, PreparedCall* call) {
  std::string body_text = text;
  bool reserialize = false;
  auto model = body.find("model");
  if (model->get_ref<const std::string&>() != call->target.upstream_model) {
    auto range = TopLevelValueRange(body_text, "model");
    std::string value = JsonBody(call->target.upstream_model).dump();
    if (range) {
      body_text.replace(range->first, range->second - range->first, value);
    } else {
      reserialize = true;
    }
    *model = call->target.upstream_model;
  }
  if (call->stream && call->target.provider->stream_usage && call->endpoint == "chat/completions" &&
      call->target.provider->type == ProviderType::kOpenAi) {
    bool present = body.contains("stream_options");
    auto& options = body["stream_options"];
    if (!options.is_object()) options = nlohmann::ordered_json::object();
    auto include = options.find("include_usage");
    if (include == options.end() || !include->is_boolean() || !include->get<bool>()) {
      options["include_usage"] = true;
      call->hide_usage_chunk = true;
      size_t close = body_text.rfind('}');
      if (present || close == std::string::npos) {
        reserialize = true;
      } else {
        body_text.insert(close, ",\"stream_options\":{\"include_usage\":true}");
      }
    }
  }
  if (!reserialize) return body_text;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The upstream HTTP request: method, URL, headers and timeouts of the chosen provider.
void BuildHttpRequest(const v1::CallRequest& request, std::string body, PreparedCall* call) {
  const ProviderConfig& provider = *call->target.provider;
  HttpRequest& http = call->http;
  http.method = request.method().empty() ? "POST" : request.method();
  http.resolve = call->target.pinned_resolve;
  http.url = UpstreamUrl(provider, call->endpoint);
  http.body = std::move(body);
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Accept", call->stream ? "text/event-stream" : "application/json");
  if (provider.type == ProviderType::kAnthropic) {
    anthropic::AddAnthropicHeaders(provider, request.client_headers(), &http.headers);
  } else if (!provider.api_key.empty()) {
    http.headers.emplace_back("Authorization", StrCat("Bearer ", provider.api_key));
  }
  if (!request.request_id().empty())
    http.headers.emplace_back("X-Request-Id", request.request_id());
  for (const auto& header : provider.headers) http.headers.push_back(header);
  http.connect_timeout = provider.timeouts.connect;
  http.first_byte_timeout = provider.timeouts.first_byte;
  http.idle_timeout = provider.timeouts.idle;
  http.total_timeout = provider.timeouts.total;
}

}  // namespace

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request, JsonBody body,
                                         const std::string* model_override,
                                         HostResolver* resolver) {
  PreparedCall call;
  if (absl::Status valid = ValidateRequest(request, body, &call); !valid.ok()) return valid;
  auto target = ResolveAllowedTarget(std::move(config), request,
                                     body.find("model")->get_ref<const std::string&>(),
                                     model_override, resolver);
  if (!target.ok()) return target.status();
  call.target = *std::move(target);
  std::string upstream_body = EditBody(request.body(), body, &call);
  if (anthropic::InvolvesAnthropic(call.endpoint, *call.target.provider)) {
    auto adapted = anthropic::AdaptCall(body, std::move(upstream_body), &call);
    if (!adapted.ok()) return adapted.status();
    upstream_body = *std::move(adapted);
  }
  BuildHttpRequest(request, std::move(upstream_body), &call);
  return call;
}

}  // namespace llmsrouter::router
