#include "services/router/upstream_request.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "common/status_map.h"
#include "common/strings.h"

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

}  // namespace

std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint) {
  return StrCat(provider.url, "/", endpoint);
}

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override) {
  PreparedCall call;
  call.endpoint = request.endpoint();
  if (!ValidEndpoint(call.endpoint)) {
    return absl::InvalidArgumentError(StrCat("invalid endpoint '", call.endpoint, "'"));
  }
  std::string method = request.method().empty() ? "POST" : request.method();
  auto body = nlohmann::ordered_json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
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
  auto target =
      model_override != nullptr
          ? ResolveTarget(std::move(config), *model_override, "")
          : ResolveTarget(std::move(config), model->get_ref<const std::string&>(), request.proxy());
  if (!target.ok()) return target.status();
  call.target = *std::move(target);
  if (request.restrict_providers()) {
    const auto& allowed = request.allowed_providers();
    if (std::find(allowed.begin(), allowed.end(), call.target.provider->alias) == allowed.end()) {
      return WithOpenAiDetails(
          absl::PermissionDeniedError(
              StrCat("you are not permitted to use provider '", call.target.provider->alias, "'")),
          "model", "provider_not_permitted");
    }
  }
  *model = call.target.upstream_model;

  const ProviderConfig& provider = *call.target.provider;
  if (call.stream && provider.stream_usage && call.endpoint == "chat/completions") {
    auto& options = body["stream_options"];
    if (!options.is_object()) options = nlohmann::ordered_json::object();
    auto include = options.find("include_usage");
    if (include == options.end() || !include->is_boolean() || !include->get<bool>()) {
      options["include_usage"] = true;
      call.hide_usage_chunk = true;
    }
  }
  HttpRequest& http = call.http;
  http.method = method;
  http.url = UpstreamUrl(provider, call.endpoint);
  http.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  http.headers.emplace_back("Content-Type", "application/json");
  http.headers.emplace_back("Accept", call.stream ? "text/event-stream" : "application/json");
  if (!provider.api_key.empty()) {
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
