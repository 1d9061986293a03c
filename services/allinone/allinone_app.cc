#include "services/allinone/allinone_app.h"

#include <grpcpp/health_check_service_interface.h>

#include "common/log.h"

namespace llmsrouter::allinone {

AllInOneApp::AllInOneApp(int threads) : loops_(threads, "io") {}

AllInOneApp::~AllInOneApp() { Stop(); }

absl::StatusOr<std::unique_ptr<AllInOneApp>> AllInOneApp::Start(AllInOneOptions options) {
  // One pool of I/O threads for everything a call does: the client connection, the upstream
  // transfer, backoffs and slot waits of a call all run on the loop that accepted it.
  std::unique_ptr<AllInOneApp> app(new AllInOneApp(options.gateway.threads));
  std::string redis_url = options.auth ? options.auth->redis_url : "";
  if (absl::Status s = app->StartServices(options); !s.ok()) return s;
  // The gateway hands calls straight to the router's logic (no gRPC in between); auth and
  // the tracer are reached over an in-process channel (no socket).
  app->local_router_ = std::make_unique<LocalRouterClient>(app->router_->service());
  gateway::GatewayAppOptions& edge = options.gateway;
  edge.loops = &app->loops_;
  edge.router_client = app->local_router_.get();
  auto in_process = app->grpc_.server->InProcessChannel(grpc::ChannelArguments());
  if (app->auth_) edge.auth_channel = in_process;
  edge.tracer_channel = in_process;
  // The in-process gateway is trusted by construction; callers of grpc_listen are direct
  // clients and need a key when accounts are on.
  // Limits and spend: the router runs the scripts on the auth part's Redis itself.
  router::CallerAuthConfig caller_auth{{edge.gateway.accounts, edge.gateway.bypass}, {}};
  if (app->auth_) {
    caller_auth.auth_channel = in_process;
    caller_auth.redis_url = redis_url;
  }
  if (absl::Status s = app->router_->EnableCallerAuth(std::move(caller_auth)); !s.ok()) return s;
  app->router_->EnableTracing(in_process, options.trace_content);
  auto gateway = gateway::GatewayApp::Start(std::move(edge));
  if (!gateway.ok()) return gateway.status();
  app->gateway_ = *std::move(gateway);
  return app;
}

absl::Status AllInOneApp::StartServices(AllInOneOptions& options) {
  options.router.loops = &loops_;
  auto router = router::RouterApp::Create(std::move(options.router));
  if (!router.ok()) return router.status();
  router_ = *std::move(router);
  auto tracer = tracer::TracerApp::Create(std::move(options.tracer));
  if (!tracer.ok()) return tracer.status();
  tracer_ = *std::move(tracer);
  std::vector<grpc::Service*> services = {router_->service(), tracer_->service()};
  if (options.auth) {
    // The LimitsService is not served: the router runs the limit scripts on Redis itself.
    auto auth = auth::AuthApp::Create(*std::move(options.auth));
    if (!auth.ok()) return auth.status();
    auth_ = *std::move(auth);
    for (grpc::Service* s : auth_->public_services()) services.push_back(s);
  }
  auto grpc = StartGrpcServer(options.grpc_listen, services, options.grpc_credentials);
  if (!grpc.ok()) return grpc.status();
  grpc_ = *std::move(grpc);
  return absl::OkStatus();
}

void AllInOneApp::BeginDrain() {
  if (gateway_) gateway_->StartDraining();
  if (grpc_.server) {
    if (grpc::HealthCheckServiceInterface* health = grpc_.server->GetHealthCheckService()) {
      health->Shutdown();
    }
  }
}

bool AllInOneApp::Stop() {
  if (stopped_) return true;
  stopped_ = true;
  bool clean = true;
  if (gateway_) {
    Step("gateway drain");
    clean = gateway_->Drain();
  }
  if (router_) {
    Step("router shutdown");
    router_->Shutdown();  // what the drain deadline cut finishes, on its loop
  }
  Step("loops stop");
  loops_.Stop();
  if (router_ && auth_) {  // accounts on: the router's Redis (limits, spend records)
    Step("router spend flush");
    router_->StopMetering();
  }
  // The gateway's tracer client sends over the in-process channel: it flushes and stops
  // here, while the gRPC server still serves (a send after its Shutdown crashes in gRPC).
  gateway_.reset();
  if (router_) {
    Step("router traces flush");
    router_->FlushTraces(absl::Seconds(3));
  }
  if (tracer_) {
    Step("tracer export");
    tracer_->batcher().Shutdown(absl::Seconds(5));
  }
  if (grpc_.server) {
    Step("grpc shutdown");
    grpc_.server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  }
  return clean;
}

}  // namespace llmsrouter::allinone
