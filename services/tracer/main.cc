// llmsrouter-tracer: trace events exported to Langfuse (gRPC).
#include <iostream>

#include "common/grpc_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/signals.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SignalWaiter signals;
  auto options = Options::FromProcess(
      {{"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50053",
        "gRPC address (use 0.0.0.0:50053 in containers)."}},
      argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-tracer: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-tracer — trace events to Langfuse.\n"
        "Usage: llmsrouter-tracer [--listen HOST:PORT]");
    return 0;
  }
  auto server = StartGrpcServer(options->Get("listen"), {});
  if (!server.ok()) {
    Log(LogLevel::kError, "tracer", "cannot start", {{"error", std::string(server.status().message())}});
    return 1;
  }
  Log(LogLevel::kWarning, "tracer",
      "trace export is not available in this build; only the health service is served");
  Log(LogLevel::kInfo, "tracer", "listening", {{"service", "tracer"}, {"port", std::to_string(server->port)}});
  while (signals.Wait() == SIGHUP) {
  }
  server->server->Shutdown();
  return 0;
}
