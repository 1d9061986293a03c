#include "common/http/responses.h"

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

}  // namespace llmsrouter::web
