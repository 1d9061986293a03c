#include "services/gateway/gateway_app.h"

#include <thread>

#include "common/http/metrics_server.h"

namespace llmsrouter::gateway {

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(GatewayAppOptions options) {
  std::unique_ptr<GatewayApp> app(new GatewayApp());
  if (options.gateway.accounts && !options.auth_channel) {
    return absl::InvalidArgumentError(
        "ENABLE_ACCOUNT_MANAGEMENT=true needs the auth service: set --auth or AUTH_ADDR");
  }
  if (options.gateway.bypass && !options.gateway.accounts) {
    return absl::InvalidArgumentError("ENABLE_BYPASS=true needs ENABLE_ACCOUNT_MANAGEMENT=true");
  }
  RouterClient* router = options.router_client;
  if (router == nullptr) {
    app->grpc_router_ = std::make_unique<GrpcRouterClient>(std::move(options.router_channel));
    router = app->grpc_router_.get();
  }
  if (options.gateway.accounts) {
    app->auth_ =
        std::make_unique<GrpcAuthClient>(std::move(options.auth_channel), options.auth_cache_ttl);
  }
  if (options.tracer_channel) {
    app->traces_ = std::make_unique<GrpcTracerClient>(std::move(options.tracer_channel),
                                                      GrpcTracerClient::Options{});
  }
  if (!options.metrics_listen.empty()) {
    auto metrics = web::StartMetricsServer(options.metrics_listen);
    if (!metrics.ok()) return metrics.status();
    app->metrics_ = *std::move(metrics);
    options.gateway.metrics_on_api_port = false;
  }
  app->gateway_ =
      std::make_unique<Gateway>(router, app->auth_.get(), options.gateway, app->traces_.get());
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  Gateway* gateway = app->gateway_.get();
  RequestHandler handler = [gateway](std::shared_ptr<HttpSession> session, HttpRequest request) {
    gateway->Handle(std::move(session), std::move(request));
  };
  HttpLimits limits = gateway->WithUploads(options.limits);
  auto server = options.loops != nullptr
                    ? web::HttpServer::Start(options.listen, options.loops, limits, handler)
                    : web::HttpServer::Start(options.listen, threads, limits, handler);
  if (!server.ok()) return server.status();
  app->server_ = *std::move(server);
  app->gateway_->SetLoops(&app->server_->loops());
  app->drain_timeout_ = options.drain_timeout;
  app->drain_delay_ = options.drain_delay;
  return app;
}

}  // namespace llmsrouter::gateway
