// llmsrouter: gateway, router, auth and tracer in one process, for a laptop.
#include <iostream>

#include "common/graceful_stop.h"
#include "common/grpc_server.h"
#include "common/grpc_tls.h"
#include "common/log.h"
#include "common/loop_pool.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "common/signals.h"
#include "services/allinone/local_router_client.h"
#include "services/auth/auth_app.h"
#include "services/gateway/gateway_flags.h"
#include "services/router/router_app.h"
#include "services/tracer/tracer_flags.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  SignalWaiter signals;
  std::vector<FlagSpec> specs = gateway::GatewayFlagSpecs();
  for (FlagSpec& spec : tracer::TracerFlagSpecs()) specs.push_back(std::move(spec));
  specs.push_back({"config", "LLMSROUTER_CONFIG", "./config.yaml", "Provider configuration file."});
  specs.push_back({"grpc-listen", "LLMSROUTER_GRPC_LISTEN", "127.0.0.1:50051",
                   "gRPC address serving the router, auth and tracer services."});
  specs.push_back({"redis-url", "REDIS_URL", "redis://127.0.0.1:6379/0",
                   "Redis for users and keys (only with ENABLE_ACCOUNT_MANAGEMENT=true)."});
  for (auto& spec : auth::AdminFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  auto options = Options::FromProcess(std::move(specs), argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter — the whole gateway in one process: OpenAI HTTP API + gRPC services.\n"
        "Usage: llmsrouter [--config FILE] [--listen HOST:PORT] [--grpc-listen HOST:PORT]\n"
        "SIGHUP reloads the config file.");
    return 0;
  }
  auto app_options = gateway::GatewayOptionsFrom(*options);
  if (!app_options.ok()) {
    std::cerr << "llmsrouter: " << app_options.status().message() << "\n";
    return 2;
  }
  // One pool of I/O threads for everything a call does: the client connection, the upstream
  // transfer, backoffs and slot waits of a call all run on the loop that accepted it.
  LoopPool loops(app_options->threads, "io");
  app_options->loops = &loops;
  router::RouterAppOptions router_options{options->Get("config"), ProcessEnv()};
  router_options.loops = &loops;
  auto router = router::RouterApp::Create(std::move(router_options));
  if (!router.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(router.status().message())}});
    return 1;
  }
  auto tracer_app = tracer::TracerApp::Create(tracer::TracerOptionsFrom(*options));
  if (!tracer_app.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(tracer_app.status().message())}});
    return 1;
  }
  std::vector<grpc::Service*> services = {(*router)->service(), (*tracer_app)->service()};
  std::unique_ptr<auth::AuthApp> auth_app;
  if (app_options->gateway.accounts) {
    auto admin = auth::AdminOptionsFrom(*options, options->Get("grpc-listen"),
                                        !options->Get("tls-cert").empty());
    auto created = admin.ok() ? auth::AuthApp::Create({options->Get("redis-url"), *admin})
                              : absl::StatusOr<std::unique_ptr<auth::AuthApp>>(admin.status());
    if (!created.ok()) {
      Log(LogLevel::kError, "llmsrouter", "cannot start",
          {{"error", std::string(created.status().message())}});
      return 1;
    }
    auth_app = *std::move(created);
    for (grpc::Service* s : auth_app->services()) services.push_back(s);
  }
  auto credentials = ServerCredentialsFrom(*options);
  auto grpc_server = credentials.ok()
                         ? StartGrpcServer(options->Get("grpc-listen"), services, *credentials)
                         : absl::StatusOr<GrpcServer>(credentials.status());
  if (!grpc_server.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(grpc_server.status().message())}});
    return 1;
  }
  // The gateway hands calls straight to the router's logic (no gRPC in between); auth and the
  // tracer are reached over an in-process channel (no socket).
  allinone::LocalRouterClient local_router((*router)->service());
  app_options->router_client = &local_router;
  auto in_process = grpc_server->server->InProcessChannel(grpc::ChannelArguments());
  if (auth_app) app_options->auth_channel = in_process;
  // The in-process gateway is trusted by construction; callers of --grpc-listen are direct
  // clients and need a key when accounts are on.
  if (auto s =
          (*router)->EnableCallerAuth({{app_options->gateway.accounts, app_options->gateway.bypass},
                                       {},
                                       auth_app ? in_process : nullptr});
      !s.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start", {{"error", std::string(s.message())}});
    return 1;
  }
  // The router records content unless told "false"; the tracer drops it for JSON lines.
  (*router)->EnableTracing(in_process, tracer::TraceContentWanted(*options, true));
  app_options->tracer_channel = in_process;
  auto gateway = gateway::GatewayApp::Start(*std::move(app_options));
  if (!gateway.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(gateway.status().message())}});
    return 1;
  }
  if (!auth_app) {
    Log(LogLevel::kInfo, "llmsrouter",
        "accounts are off (ENABLE_ACCOUNT_MANAGEMENT): no API key is required, Redis is not used");
  }
  Log(LogLevel::kInfo, "llmsrouter", "listening",
      {{"service", "llmsrouter"},
       {"port", std::to_string((*gateway)->port())},
       {"metrics_port", std::to_string((*gateway)->metrics_port())},
       {"grpc_port", std::to_string(grpc_server->port)},
       {"traces", (*tracer_app)->destination()},
       {"providers", (*router)->config()->AliasList()}});
  while (signals.Wait() == SIGHUP) (*router)->ReloadAndLog("SIGHUP");
  Log(LogLevel::kInfo, "llmsrouter", "shutting down");
  (*gateway)->StartDraining();
  if (auto* health = grpc_server->server->GetHealthCheckService()) health->Shutdown();
  WaitOutDrainDelay(signals, (*gateway)->drain_delay(), "llmsrouter");
  bool clean = (*gateway)->Drain();
  Log(LogLevel::kInfo, "llmsrouter", "drained", {{"clean", clean ? "true" : "false"}});
  (*router)->Shutdown();  // what was cut by the drain deadline finishes, on its loop
  loops.Stop();
  (*router)->FlushTraces(absl::Seconds(3));
  (*tracer_app)->batcher().Shutdown(absl::Seconds(5));
  grpc_server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
