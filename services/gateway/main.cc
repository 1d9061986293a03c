// llmsrouter-gateway: the OpenAI-compatible HTTP edge.
#include "common/grpc_channel.h"
#include "common/log.h"
#include "common/service_identity.h"
#include "common/service_main.h"
#include "services/gateway/gateway_flags.h"

using namespace llmsrouter;

namespace {

// Channels to the router, auth and tracer: TLS as the --tls-* files say, and the service
// token (proof that this is the gateway) on every call.
absl::Status ConnectServices(const Options& options, gateway::GatewayAppOptions* app) {
  auto tls = TlsFilesFrom(options);
  if (!tls.ok()) return tls.status();
  auto token = ServiceTokenFrom(options);
  if (!token.ok()) return token.status();
  ChannelSecurity security{*tls, *token};
  auto router = MakeServiceChannel(options.Get("router"), security);
  if (!router.ok()) return router.status();
  app->router_channel = *router;
  for (auto [flag, channel] :
       {std::pair{"tracer", &app->tracer_channel}, std::pair{"auth", &app->auth_channel}}) {
    if (options.Get(flag).empty()) continue;
    auto made = MakeServiceChannel(options.Get(flag), security);
    if (!made.ok()) return made.status();
    *channel = *made;
  }
  return absl::OkStatus();
}

std::vector<FlagSpec> Flags() {
  std::vector<FlagSpec> specs = gateway::GatewayFlagSpecs();
  specs.push_back({"router", "ROUTER_ADDR", "127.0.0.1:50051", "Router gRPC address."});
  specs.push_back({"auth", "AUTH_ADDR", "", "Auth gRPC address; empty: accounts are off."});
  specs.push_back({"tracer", "TRACER_ADDR", "", "Tracer gRPC address; empty: no tracing."});
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : ServiceTokenFlagSpecs()) specs.push_back(std::move(spec));
  return specs;
}

class GatewayProcess : public ServiceProcess {
 public:
  explicit GatewayProcess(std::unique_ptr<gateway::GatewayApp> app) : app_(std::move(app)) {}

  void Stop() override {
    Log(LogLevel::kInfo, "gateway", "shutting down");
    bool clean = app_->Drain();
    Log(LogLevel::kInfo, "gateway", "drained", {{"clean", clean ? "true" : "false"}});
  }

 private:
  std::unique_ptr<gateway::GatewayApp> app_;
};

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto app_options = gateway::GatewayOptionsFrom(options);
  if (!app_options.ok()) return FlagValueError(app_options.status());
  if (absl::Status s = ConnectServices(options, &*app_options); !s.ok()) return s;
  bool accounts = app_options->gateway.accounts;
  auto app = gateway::GatewayApp::Start(*std::move(app_options));
  if (!app.ok()) return app.status();
  if (!accounts) {
    Log(LogLevel::kInfo, "gateway",
        "accounts are off (ENABLE_ACCOUNT_MANAGEMENT): no API key is required");
  }
  if (options.Get("tracer").empty()) {
    Log(LogLevel::kInfo, "gateway", "tracer not configured (--tracer/TRACER_ADDR)");
  }
  Log(LogLevel::kInfo, "gateway", "listening",
      {{"service", "gateway"},
       {"port", std::to_string((*app)->port())},
       {"metrics_port", std::to_string((*app)->metrics_port())},
       {"router", options.Get("router")}});
  return std::make_unique<GatewayProcess>(*std::move(app));
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain({"llmsrouter-gateway", "gateway",
                         "llmsrouter-gateway — OpenAI-compatible HTTP API in front of the router.\n"
                         "Usage: llmsrouter-gateway [--listen HOST:PORT] [--router ADDR] "
                         "[--auth ADDR] [--tracer ADDR]",
                         Flags()},
                        argc, argv, Start);
}
