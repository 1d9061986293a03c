#include "services/gateway/gateway_app.h"

#include <thread>

namespace llmsrouter::gateway {

absl::StatusOr<std::unique_ptr<GatewayApp>> GatewayApp::Start(GatewayAppOptions options) {
  std::unique_ptr<GatewayApp> app(new GatewayApp());
  app->router_ = std::make_unique<GrpcRouterClient>(std::move(options.router_channel));
  app->gateway_ = std::make_unique<Gateway>(app->router_.get());
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::thread::hardware_concurrency());
  Gateway* gateway = app->gateway_.get();
  auto server = HttpServer::Start(
      options.listen, threads, options.limits,
      [gateway](std::shared_ptr<HttpSession> session, HttpRequest request) {
        gateway->Handle(std::move(session), std::move(request));
      });
  if (!server.ok()) return server.status();
  app->server_ = *std::move(server);
  return app;
}

}  // namespace llmsrouter::gateway
