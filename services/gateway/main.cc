// llmsrouter-gateway: the OpenAI-compatible HTTP edge.
#include <iostream>

#include "common/grpc_channel.h"
#include "common/log.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "common/signals.h"
#include "services/gateway/gateway_flags.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  SignalWaiter signals;
  std::vector<FlagSpec> specs = gateway::GatewayFlagSpecs();
  specs.push_back({"router", "ROUTER_ADDR", "127.0.0.1:50051", "Router gRPC address."});
  specs.push_back({"auth", "AUTH_ADDR", "", "Auth gRPC address; empty: accounts are off."});
  specs.push_back({"tracer", "TRACER_ADDR", "", "Tracer gRPC address; empty: no tracing."});
  auto options = Options::FromProcess(std::move(specs), argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-gateway: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-gateway — OpenAI-compatible HTTP API in front of the router.\n"
        "Usage: llmsrouter-gateway [--listen HOST:PORT] [--router ADDR] [--auth ADDR] "
        "[--tracer ADDR]");
    return 0;
  }
  auto app_options = gateway::GatewayOptionsFrom(*options);
  if (!app_options.ok()) {
    std::cerr << "llmsrouter-gateway: " << app_options.status().message() << "\n";
    return 2;
  }
  app_options->router_channel = MakeServiceChannel(options->Get("router"));
  if (!options->Get("tracer").empty()) {
    app_options->tracer_channel = MakeServiceChannel(options->Get("tracer"));
  }
  if (!options->Get("auth").empty()) {
    app_options->auth_channel = MakeServiceChannel(options->Get("auth"));
  }
  auto app = gateway::GatewayApp::Start(*std::move(app_options));
  if (!app.ok()) {
    Log(LogLevel::kError, "gateway", "cannot start",
        {{"error", std::string(app.status().message())}});
    return 1;
  }
  if (!app_options->gateway.accounts) {
    Log(LogLevel::kInfo, "gateway",
        "accounts are off (ENABLE_ACCOUNT_MANAGEMENT): no API key is required");
  }
  if (options->Get("tracer").empty()) {
    Log(LogLevel::kInfo, "gateway", "tracer not configured (--tracer/TRACER_ADDR)");
  }
  Log(LogLevel::kInfo, "gateway", "listening",
      {{"service", "gateway"},
       {"port", std::to_string((*app)->port())},
       {"metrics_port", std::to_string((*app)->metrics_port())},
       {"router", options->Get("router")}});
  while (signals.Wait() == SIGHUP) {
  }
  Log(LogLevel::kInfo, "gateway", "shutting down");
  bool clean = (*app)->Drain();
  Log(LogLevel::kInfo, "gateway", "drained", {{"clean", clean ? "true" : "false"}});
  return 0;
}
