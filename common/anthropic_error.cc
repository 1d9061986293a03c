#include "common/anthropic_error.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter {
namespace {

constexpr size_t kQuotedBytes = 512;

std::string Quote(std::string_view body) {
  std::string quote(body.substr(0, kQuotedBytes));
  if (body.size() > kQuotedBytes) quote += "...";
  return quote;
}

}  // namespace

std::string_view AnthropicErrorType(int http_status) {
  switch (http_status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return http_status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string AnthropicErrorBody(std::string_view type, std::string_view message) {
  nlohmann::ordered_json body = {{"type", "error"},
                                 {"error", {{"type", type}, {"message", message}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string AnthropicErrorBody(const absl::Status& status) {
  int http_status = HttpStatusFromStatus(status);
  return AnthropicErrorBody(AnthropicErrorType(http_status), ToStd(status.message()));
}

std::string ToAnthropicErrorBody(std::string_view body, int http_status) {
  auto doc = ParseUntrustedJson(body);
  if (JsonString(doc, "type") == "error" && doc["error"].is_object()) return std::string(body);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
    return AnthropicErrorBody(AnthropicErrorType(http_status),
                              JsonString(doc["error"], "message", Quote(body)));
  }
  return AnthropicErrorBody(AnthropicErrorType(http_status), Quote(body));
}

std::string ToOpenAiErrorBody(std::string_view body, int http_status) {
  auto doc = ParseUntrustedJson(body);
  bool anthropic = JsonString(doc, "type") == "error";
  if (!anthropic && doc.is_object() && doc.contains("error")) return std::string(body);
  if (anthropic && doc["error"].is_object()) {
    const auto& error = doc["error"];
    return OpenAiErrorBody(JsonString(error, "message", Quote(body)),
                           JsonString(error, "type", std::string(OpenAiErrorType(http_status))), "",
                           "");
  }
  return OpenAiErrorBody(Quote(body), OpenAiErrorType(http_status), "", "upstream_error");
}

}  // namespace llmsrouter
