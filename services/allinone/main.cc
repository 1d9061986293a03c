// llmsrouter: gateway, router, auth and tracer in one process, for a laptop.
#include "common/grpc_tls.h"
#include "common/log.h"
#include "common/service_main.h"
#include "services/allinone/allinone_app.h"
#include "services/gateway/gateway_flags.h"
#include "services/router/upload_flags.h"
#include "services/tracer/tracer_flags.h"

using namespace llmsrouter;

namespace {

std::vector<FlagSpec> Flags() {
  std::vector<FlagSpec> specs = gateway::GatewayFlagSpecs();
  for (FlagSpec& spec : tracer::TracerFlagSpecs()) specs.push_back(std::move(spec));
  specs.push_back({"config", "LLMSROUTER_CONFIG", "./config.yaml", "Provider configuration file."});
  specs.push_back({"grpc-listen", "LLMSROUTER_GRPC_LISTEN", "127.0.0.1:50051",
                   "gRPC address serving the router, auth and tracer services."});
  specs.push_back({"redis-url", "REDIS_URL", "redis://127.0.0.1:6379/0",
                   "Redis for users and keys (only with ENABLE_ACCOUNT_MANAGEMENT=true)."});
  specs.push_back(router::UploadPrefixFlagSpec());
  specs.push_back(router::UploadPrefixBudgetFlagSpec());
  for (auto& spec : auth::AdminFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  return specs;
}

class AllInOneProcess : public ServiceProcess {
 public:
  explicit AllInOneProcess(std::unique_ptr<allinone::AllInOneApp> app) : app_(std::move(app)) {}

  void Reload() override { app_->router().ReloadAndLog("SIGHUP"); }
  void BeginDrain() override {
    Log(LogLevel::kInfo, "llmsrouter", "shutting down");
    app_->BeginDrain();
  }
  absl::Duration DrainDelay() const override { return app_->drain_delay(); }
  void Stop() override {
    bool clean = app_->Stop();
    Log(LogLevel::kInfo, "llmsrouter", "drained", {{"clean", clean ? "true" : "false"}});
  }

 private:
  std::unique_ptr<allinone::AllInOneApp> app_;
};

// The app's options from the flags; a bad flag value is a FlagValueError.
absl::StatusOr<allinone::AllInOneOptions> OptionsFrom(const Options& options) {
  auto edge = gateway::GatewayOptionsFrom(options);
  if (!edge.ok()) return FlagValueError(edge.status());
  allinone::AllInOneOptions app{*std::move(edge),
                                {options.Get("config"), ProcessEnv()},
                                tracer::TracerOptionsFrom(options),
                                tracer::TraceContentWanted(options, true)};
  if (app.gateway.gateway.accounts) {
    auto admin = auth::AdminOptionsFrom(options, options.Get("grpc-listen"),
                                        !options.Get("tls-cert").empty());
    if (!admin.ok()) return admin.status();
    app.auth = auth::AuthAppOptions{options.Get("redis-url"), *admin};
  }
  auto upload_prefix = router::UploadPrefixBytesFrom(options);
  if (!upload_prefix.ok()) return FlagValueError(upload_prefix.status());
  app.router.upload_prefix_bytes = *upload_prefix;
  auto upload_budget = router::UploadPrefixBudgetFrom(options);
  if (!upload_budget.ok()) return FlagValueError(upload_budget.status());
  app.router.upload_prefix_budget = *upload_budget;
  app.grpc_listen = options.Get("grpc-listen");
  auto credentials = ServerCredentialsFrom(options);
  if (!credentials.ok()) return credentials.status();
  app.grpc_credentials = *credentials;
  return app;
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto app_options = OptionsFrom(options);
  if (!app_options.ok()) return app_options.status();
  auto app = allinone::AllInOneApp::Start(*std::move(app_options));
  if (!app.ok()) return app.status();
  if (!(*app)->accounts()) {
    Log(LogLevel::kInfo, "llmsrouter",
        "accounts are off (ENABLE_ACCOUNT_MANAGEMENT): no API key is required, Redis is not used");
  }
  Log(LogLevel::kInfo, "llmsrouter", "listening",
      {{"service", "llmsrouter"},
       {"port", std::to_string((*app)->port())},
       {"metrics_port", std::to_string((*app)->metrics_port())},
       {"grpc_port", std::to_string((*app)->grpc_port())},
       {"traces", (*app)->trace_destination()},
       {"providers", (*app)->router().config()->AliasList()}});
  return std::make_unique<AllInOneProcess>(*std::move(app));
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain(
      {"llmsrouter", "llmsrouter",
       "llmsrouter — the whole gateway in one process: OpenAI HTTP API + gRPC services.\n"
       "Usage: llmsrouter [--config FILE] [--listen HOST:PORT] [--grpc-listen HOST:PORT]\n"
       "SIGHUP reloads the config file.",
       Flags()},
      argc, argv, Start);
}
