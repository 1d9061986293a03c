// llmsrouter-tracer: receives trace events over gRPC and exports them to Langfuse.
#include <iostream>

#include "common/grpc_server.h"
#include "common/grpc_tls.h"
#include "common/http/metrics_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "common/signals.h"
#include "common/strings.h"
#include "services/tracer/tracer_flags.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  SignalWaiter signals;
  std::vector<FlagSpec> specs = tracer::TracerFlagSpecs();
  specs.insert(specs.begin(),
               {FlagSpec{"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50053",
                         "gRPC address (use 0.0.0.0:50053 in containers)."},
                FlagSpec{"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
                         "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9093); empty: off."}});
  specs.push_back({"drain-timeout", "LLMSROUTER_DRAIN_TIMEOUT", "10",
                   "Seconds allowed on SIGTERM to export what is queued."});
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  auto options = Options::FromProcess(std::move(specs), argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-tracer: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-tracer — batches trace events and exports them to Langfuse.\n"
        "Usage: llmsrouter-tracer [--listen HOST:PORT]");
    return 0;
  }
  auto app = tracer::TracerApp::Create(tracer::TracerOptionsFrom(*options));
  if (!app.ok()) {
    Log(LogLevel::kError, "tracer", "cannot start",
        {{"error", std::string(app.status().message())}});
    return 1;
  }
  auto credentials = ServerCredentialsFrom(*options);
  if (!credentials.ok()) {
    Log(LogLevel::kError, "tracer", "cannot start",
        {{"error", std::string(credentials.status().message())}});
    return 1;
  }
  auto server = StartGrpcServer(options->Get("listen"), {(*app)->service()}, *credentials);
  if (!server.ok()) {
    Log(LogLevel::kError, "tracer", "cannot start",
        {{"error", std::string(server.status().message())}});
    return 1;
  }
  std::unique_ptr<web::HttpServer> metrics;
  if (!web::StartMetricsIfConfigured(options->Get("metrics-listen"), "tracer", &metrics)) {
    return 1;
  }
  Log(LogLevel::kInfo, "tracer", "listening",
      {{"service", "tracer"},
       {"port", std::to_string(server->port)},
       {"destination", (*app)->destination()}});
  while (signals.Wait() == SIGHUP) {
  }
  int drain = 10;
  ParseInt(options->Get("drain-timeout"), &drain);
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  bool all = (*app)->batcher().Shutdown(absl::Seconds(drain));
  Log(LogLevel::kInfo, "tracer", "stopped",
      {{"exported", std::to_string((*app)->batcher().exported())},
       {"dropped", std::to_string((*app)->batcher().dropped())},
       {"flushed_all", all ? "true" : "false"}});
  return 0;
}
