// llmsrouter: gateway, router, auth and tracer in one process, for a laptop.
#include <iostream>

#include "common/grpc_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/signals.h"
#include "services/gateway/gateway_flags.h"
#include "services/router/router_app.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SignalWaiter signals;
  std::vector<FlagSpec> specs = gateway::GatewayFlagSpecs();
  specs.push_back({"config", "LLMSROUTER_CONFIG", "./config.yaml", "Provider configuration file."});
  specs.push_back({"grpc-listen", "LLMSROUTER_GRPC_LISTEN", "127.0.0.1:50051",
                   "gRPC address serving the router, auth and tracer services."});
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
  auto router = router::RouterApp::Create({options->Get("config"), ProcessEnv()});
  if (!router.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(router.status().message())}});
    return 1;
  }
  auto grpc_server = StartGrpcServer(options->Get("grpc-listen"), {(*router)->service()});
  if (!grpc_server.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(grpc_server.status().message())}});
    return 1;
  }
  // The gateway reaches the router in-process: no socket, same semantics.
  app_options->router_channel = grpc_server->server->InProcessChannel(grpc::ChannelArguments());
  auto gateway = gateway::GatewayApp::Start(*std::move(app_options));
  if (!gateway.ok()) {
    Log(LogLevel::kError, "llmsrouter", "cannot start",
        {{"error", std::string(gateway.status().message())}});
    return 1;
  }
  Log(LogLevel::kInfo, "llmsrouter", "accounts are off: no API key is required");
  Log(LogLevel::kInfo, "llmsrouter", "listening",
      {{"service", "llmsrouter"}, {"port", std::to_string((*gateway)->port())},
       {"grpc_port", std::to_string(grpc_server->port)},
       {"providers", (*router)->config()->AliasList()}});
  while (signals.Wait() == SIGHUP) (*router)->ReloadAndLog("SIGHUP");
  Log(LogLevel::kInfo, "llmsrouter", "shutting down");
  (*gateway)->Stop();
  grpc_server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
