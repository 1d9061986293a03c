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

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request, JsonBody body,
                                         const std::string* model_override,
                                         HostResolver* resolver) {
  PreparedCall call;
  call.endpoint = request.endpoint();
  if (!ValidEndpoint(call.endpoint)) {
    return absl::InvalidArgumentError(StrCat("invalid endpoint '", call.endpoint, "'"));
  }
  std::string method = request.method().empty() ? "POST" : request.method();
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
  call.stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  if (model_override == nullptr && !request.model_override().empty()) {
    model_override = &request.model_override();
  }
  auto target = model_override != nullptr
                    ? ResolveTarget(std::move(config), *model_override, "")
                    : ResolveTarget(std::move(config), model->get_ref<const std::string&>(),
                                    request.proxy(), resolver);
  if (!target.ok()) return target.status();
  call.target = *std::move(target);
  if (request.restrict_providers()) {
    const auto& allowed = request.allowed_providers();
    if (std::find(allowed.begin(), allowed.end(), call.target.provider->alias) == allowed.end()) {
      return WithOpenAiDetails(
          absl::PermissionDeniedError(
              call.target.adhoc  // its "alias" is the URL, credentials and all
                  ? std::string("you are not permitted to use a URL in ?proxy=")
                  : StrCat("you are not permitted to use provider '", call.target.provider->alias,
                           "'")),
          "model", "provider_not_permitted");
    }
  }
  // The body goes upstream as the client wrote it, with two possible edits spliced into the
  // text: the model's value, and stream_options appended when the router asks for usage.
  // Anything else (stream_options present but without include_usage, escaped keys) is
  // re-serialized from the parsed body.
  std::string body_text = request.body();
  bool reserialize = false;
  if (model->get_ref<const std::string&>() != call.target.upstream_model) {
    auto range = TopLevelValueRange(body_text, "model");
    std::string value = JsonBody(call.target.upstream_model).dump();
    if (range) {
      body_text.replace(range->first, range->second - range->first, value);
    } else {
      reserialize = true;
    }
    *model = call.target.upstream_model;
  }
  const ProviderConfig& provider = *call.target.provider;
  bool anthropic = anthropic::InvolvesAnthropic(call.endpoint, provider);
  if (anthropic) {
    if (reserialize)
      body_text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto s = anthropic::AdaptCall(body, std::move(body_text), &call); !s.ok()) return s;
  } else if (call.stream && provider.stream_usage && call.endpoint == "chat/completions") {
    bool present = body.contains("stream_options");
    auto& options = body["stream_options"];
    if (!options.is_object()) options = nlohmann::ordered_json::object();
    auto include = options.find("include_usage");
    if (include == options.end() || !include->is_boolean() || !include->get<bool>()) {
      options["include_usage"] = true;
      call.hide_usage_chunk = true;
      size_t close = body_text.rfind('}');
      if (present || close == std::string::npos) {
        reserialize = true;
      } else {
        body_text.insert(close, ",\"stream_options\":{\"include_usage\":true}");
      }
    }
  }
  HttpRequest& http = call.http;
  http.method = method;
  http.resolve = call.target.pinned_resolve;
  http.url = UpstreamUrl(provider, call.endpoint);
  if (!anthropic) {
    http.body = reserialize ? body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                            : std::move(body_text);
  }
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Accept", call.stream ? "text/event-stream" : "application/json");
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
  return call;
}

}  // namespace llmsrouter::router
