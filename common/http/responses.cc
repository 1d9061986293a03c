#include "common/http/responses.h"

#include "common/anthropic_error.h"
#include "common/status_map.h"

namespace llmsrouter::web {

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response{static_cast<http::status>(status), 11};
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  return JsonResponse(HttpStatusFromStatus(status), OpenAiErrorBody(status));
}

HttpResponse ErrorResponse(int http_status, std::string_view message, std::string_view code) {
  return JsonResponse(http_status,
                      OpenAiErrorBody(message, OpenAiErrorType(http_status), "", code));
}

bool IsMessagesPath(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  return path == "/v1/messages" || path.starts_with("/v1/messages/");
}

HttpResponse ErrorResponseFor(std::string_view target, int http_status, std::string_view message,
                              std::string_view code) {
  if (!IsMessagesPath(target)) return ErrorResponse(http_status, message, code);
  return JsonResponse(http_status, AnthropicErrorBody(AnthropicErrorType(http_status), message));
}

}  // namespace llmsrouter::web
