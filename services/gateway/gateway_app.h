// The gateway's wiring: router client, request handling and the HTTP server, used by
// llmsrouter-gateway and the all-in-one binary alike.
#ifndef LLMSROUTER_SERVICES_GATEWAY_GATEWAY_APP_H_
#define LLMSROUTER_SERVICES_GATEWAY_GATEWAY_APP_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http/http_server.h"
#include "common/trace_sink.h"
#include "services/gateway/gateway.h"
#include "services/gateway/grpc_router_client.h"

namespace llmsrouter::gateway {

struct GatewayAppOptions {
  std::string listen = "127.0.0.1:8000";
  // Serves /metrics here when set (and no longer on `listen`).
  std::string metrics_listen;
  int threads = 0;  // 0: one per core
  // I/O threads shared with the in-process router (the all-in-one); not owned, must outlive
  // the app. Null: the app runs `threads` loops of its own.
  LoopPool* loops = nullptr;
  HttpLimits limits;
  GatewayOptions gateway;
  absl::Duration drain_timeout = absl::Seconds(30);
  std::shared_ptr<grpc::Channel> router_channel;
  // Used instead of router_channel when set (the all-in-one binary's in-process router).
  // Not owned; must outlive the app.
  RouterClient* router_client = nullptr;
  // Required when gateway.accounts is on.
  std::shared_ptr<grpc::Channel> auth_channel;
  absl::Duration auth_cache_ttl = absl::Milliseconds(500);
  // Tracer, for calls refused at the edge (the router traces the rest); may be null.
  std::shared_ptr<grpc::Channel> tracer_channel;
};

class GatewayApp {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayApp>> Start(GatewayAppOptions options);
  int port() const { return server_->port(); }
  LoopPool& loops() { return server_->loops(); }
  // The metrics port (0 when /metrics is served on the API port).
  int metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  void Stop() {
    server_->Stop();
    if (metrics_) metrics_->Stop();
  }
  // SIGTERM: readiness turns false, no new connections, requests in flight finish (up to
  // `deadline`); then Stop(). True when nothing was cut.
  bool Drain() {
    gateway_->StartDraining();
    bool clean = server_->Drain(drain_timeout_);
    Stop();
    return clean;
  }

 private:
  GatewayApp() = default;
  std::unique_ptr<GrpcRouterClient> grpc_router_;
  std::unique_ptr<GrpcAuthClient> auth_;
  std::unique_ptr<GrpcTraceShipper> traces_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<web::HttpServer> server_;
  std::unique_ptr<web::HttpServer> metrics_;
  absl::Duration drain_timeout_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_GATEWAY_APP_H_
