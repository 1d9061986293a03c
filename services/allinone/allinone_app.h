// The all-in-one process: the gateway, router, tracer and (with accounts) auth in one
// process, on one pool of I/O threads, and the order they start and stop in.
#ifndef LLMSROUTER_SERVICES_ALLINONE_ALLINONE_APP_H_
#define LLMSROUTER_SERVICES_ALLINONE_ALLINONE_APP_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/grpc_server.h"
#include "common/loop_pool.h"
#include "services/allinone/local_router_client.h"
#include "services/auth/auth_app.h"
#include "services/gateway/gateway_app.h"
#include "services/router/router_app.h"
#include "services/tracer/tracer_app.h"

namespace llmsrouter::allinone {

struct AllInOneOptions {
  // The HTTP edge as for llmsrouter-gateway; the app fills in its loops, router, auth and
  // tracer (all in-process).
  gateway::GatewayAppOptions gateway;
  router::RouterAppOptions router;
  tracer::TracerAppOptions tracer;
  // Whether the router records prompts and answers in traces.
  bool trace_content = true;
  // Set when gateway.gateway.accounts is on (auth then serves on grpc_listen too).
  std::optional<auth::AuthAppOptions> auth;
  // Serves the router, tracer and auth services to direct gRPC clients.
  std::string grpc_listen = "127.0.0.1:50051";
  std::shared_ptr<grpc::ServerCredentials> grpc_credentials;  // null: plaintext
};

class AllInOneApp {
 public:
  // Starts, in order: the I/O loops, the router, the tracer, auth (with accounts), the gRPC
  // server, then the gateway. An error when a part cannot start (the config file, Redis URL,
  // an address); what had started is stopped again.
  static absl::StatusOr<std::unique_ptr<AllInOneApp>> Start(AllInOneOptions options);
  ~AllInOneApp();

  int port() const { return gateway_->port(); }
  int metrics_port() const { return gateway_->metrics_port(); }
  int grpc_port() const { return grpc_.port; }
  bool accounts() const { return auth_ != nullptr; }
  const std::string& trace_destination() const { return tracer_->destination(); }
  router::RouterApp& router() { return *router_; }

  // SIGTERM, first: /readyz 503 and gRPC health NOT_SERVING, everything still served (the
  // gateway's drain delay, which the main waits out before Stop()).
  void BeginDrain();
  absl::Duration drain_delay() const { return gateway_->drain_delay(); }
  // SIGTERM, in an order that loses no call and no trace: the gateway drains (no new calls,
  // those in flight finish up to its drain timeout); the router ends what the drain cut, on
  // its loops; the loops stop; the router's queued traces go to the tracer (in-process
  // gRPC); the tracer exports what it holds; last the gRPC server, which carried those
  // traces, stops. True when the drain cut nothing. Once; the destructor calls it if needed.
  bool Stop();
  // The steps Stop() took, in order (for the log and tests).
  const std::vector<std::string>& stop_steps() const { return stop_steps_; }

 private:
  explicit AllInOneApp(int threads);
  absl::Status StartServices(AllInOneOptions& options);
  void Step(std::string name) { stop_steps_.push_back(std::move(name)); }

  LoopPool loops_;
  std::unique_ptr<router::RouterApp> router_;
  std::unique_ptr<tracer::TracerApp> tracer_;
  std::unique_ptr<auth::AuthApp> auth_;
  GrpcServer grpc_;
  std::unique_ptr<LocalRouterClient> local_router_;
  std::unique_ptr<gateway::GatewayApp> gateway_;
  bool stopped_ = false;
  std::vector<std::string> stop_steps_;
};

}  // namespace llmsrouter::allinone

#endif  // LLMSROUTER_SERVICES_ALLINONE_ALLINONE_APP_H_
