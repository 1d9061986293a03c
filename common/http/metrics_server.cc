#include "common/http/metrics_server.h"

#include "common/http/responses.h"
#include "common/metrics.h"

namespace llmsrouter::web {

HttpResponse MetricsResponse() {
  HttpResponse response{http::status::ok, 11};
  response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  response.body() = MetricsRegistry::Global().Exposition();
  response.prepare_payload();
  return response;
}

absl::StatusOr<std::unique_ptr<HttpServer>> StartMetricsServer(const std::string& listen) {
  return HttpServer::Start(
      listen, 1, HttpLimits{}, [](std::shared_ptr<HttpSession> session, HttpRequest request) {
        std::string_view target(request.target().data(), request.target().size());
        if (target == "/metrics") {
          session->SendResponse(MetricsResponse());
        } else if (target == "/healthz") {
          session->SendResponse(JsonResponse(200, R"({"status":"ok"})"));
        } else {
          session->SendResponse(ErrorResponse(404, "only /metrics here"));
        }
      });
}

}  // namespace llmsrouter::web
