// llmsrouter-auth: API keys and provider permissions (gRPC).
#include <iostream>

#include "common/grpc_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/signals.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SignalWaiter signals;
  auto options = Options::FromProcess(
      {{"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50052",
        "gRPC address (use 0.0.0.0:50052 in containers)."},
       {"", "REDIS_URL", "redis://127.0.0.1:6379/0", "Redis holding users and keys."}},
      argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-auth: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-auth — API keys and provider permissions.\n"
        "Usage: llmsrouter-auth [--listen HOST:PORT]");
    return 0;
  }
  auto server = StartGrpcServer(options->Get("listen"), {});
  if (!server.ok()) {
    Log(LogLevel::kError, "auth", "cannot start", {{"error", std::string(server.status().message())}});
    return 1;
  }
  Log(LogLevel::kWarning, "auth",
      "account management is not available in this build; only the health service is served");
  Log(LogLevel::kInfo, "auth", "listening", {{"service", "auth"}, {"port", std::to_string(server->port)}});
  while (signals.Wait() == SIGHUP) {
  }
  server->server->Shutdown();
  return 0;
}
