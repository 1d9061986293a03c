// llmsrouter-router: the router gRPC service.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/grpc_channel.h"
#include "common/grpc_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "common/signals.h"
#include "services/gateway/metrics_server.h"
#include "services/router/router_app.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  SignalWaiter signals;
  auto options = Options::FromProcess(
      {{"config", "LLMSROUTER_CONFIG", "./config.yaml", "Provider configuration file."},
       {"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50051",
        "gRPC address (use 0.0.0.0:50051 in containers)."},
       {"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
        "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9091); empty: off."},
       {"tracer", "TRACER_ADDR", "", "Tracer gRPC address; empty disables tracing."},
       {"trace-content", "LLMSROUTER_TRACE_CONTENT", "auto",
        "false: keep prompts and answers out of traces (auto/true: send them to the tracer, "
        "which keeps them out of JSON-line traces unless its own flag is true)."}},
      argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-router: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-router — routes OpenAI calls to the configured providers (gRPC).\n"
        "Usage: llmsrouter-router [--config FILE] [--listen HOST:PORT] [--tracer ADDR]\n"
        "SIGHUP reloads the config file.");
    return 0;
  }
  auto app = router::RouterApp::Create({options->Get("config"), ProcessEnv()});
  if (!app.ok()) {
    Log(LogLevel::kError, "router", "cannot start",
        {{"error", std::string(app.status().message())}});
    return 1;
  }
  if (!options->Get("tracer").empty()) {
    std::string content = options->Get("trace-content");
    (*app)->EnableTracing(MakeServiceChannel(options->Get("tracer")),
                          content == "auto" || options->GetBool("trace-content"));
  } else {
    Log(LogLevel::kInfo, "router",
        "tracer not configured (--tracer/TRACER_ADDR): calls are not traced");
  }
  auto server = StartGrpcServer(options->Get("listen"), {(*app)->service()});
  if (!server.ok()) {
    Log(LogLevel::kError, "router", "cannot start",
        {{"error", std::string(server.status().message())}});
    return 1;
  }
  std::unique_ptr<gateway::HttpServer> metrics;
  if (!gateway::StartMetricsIfConfigured(options->Get("metrics-listen"), "router", &metrics)) {
    return 1;
  }
  Log(LogLevel::kInfo, "router", "listening",
      {{"service", "router"},
       {"port", std::to_string(server->port)},
       {"providers", (*app)->config()->AliasList()}});
  while (signals.Wait() == SIGHUP) (*app)->ReloadAndLog("SIGHUP");
  Log(LogLevel::kInfo, "router", "shutting down");
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  (*app)->Shutdown();
  (*app)->FlushTraces(absl::Seconds(5));
  return 0;
}
