// llmsrouter-router: the router gRPC service.
#include "common/graceful_stop.h"
#include "common/grpc_channel.h"
#include "common/grpc_tls.h"
#include "common/http/service_listeners.h"
#include "common/log.h"
#include "common/service_main.h"
#include "services/router/router_app.h"
#include "services/router/upload_flags.h"

using namespace llmsrouter;

namespace {

std::vector<FlagSpec> RouterFlagSpecs() {
  std::vector<FlagSpec> specs = {
      {"config", "LLMSROUTER_CONFIG", "./config.yaml", "Provider configuration file."},
      {"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50051",
       "gRPC address (use 0.0.0.0:50051 in containers)."},
      {"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
       "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9091); empty: off."},
      {"tracer", "TRACER_ADDR", "",
       "Tracer gRPC target (host:port, dns:///name:port, ipv4:a:p,b:p); empty disables "
       "tracing."},
      {"trace-content", "LLMSROUTER_TRACE_CONTENT", "auto",
       "false: keep prompts and answers out of traces (auto/true: send them to the tracer, "
       "which keeps them out of JSON-line traces unless its own flag is true)."},
      {"auth", "AUTH_ADDR", "",
       "Auth gRPC target (as --tracer; needed with ENABLE_ACCOUNT_MANAGEMENT=true)."},
      {"", "ENABLE_ACCOUNT_MANAGEMENT", "false",
       "true: direct gRPC clients need 'authorization: Bearer <key>' metadata."},
      {"", "ENABLE_BYPASS", "false", "true: User-Bypass applies to direct gRPC clients too."},
      {"redis-url", "REDIS_URL", "",
       "The auth service's Redis (with ENABLE_ACCOUNT_MANAGEMENT=true): the router checks "
       "limits and records spend there itself; empty: limits go through the auth service and "
       "users without limits get no spend record."},
      {"trusted-peers", "LLMSROUTER_TRUSTED_PEERS", "",
       "Comma list of client-certificate names (DNS/URI SAN or CN) trusted as the gateway "
       "(needs --tls-ca)."},
  };
  specs.push_back(router::UploadPrefixFlagSpec());
  specs.push_back(router::UploadPrefixBudgetFlagSpec());
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : ServiceTokenFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : GrpcListenerFlagSpecs("10")) specs.push_back(std::move(spec));
  return specs;
}

// Who may set the gateway's fields, and how direct clients authenticate.
absl::StatusOr<router::CallerAuthConfig> CallerAuthFrom(const Options& options,
                                                        const TlsFiles& tls) {
  router::CallerAuthConfig config;
  config.options.accounts = options.GetBool("ENABLE_ACCOUNT_MANAGEMENT");
  config.options.bypass = options.GetBool("ENABLE_BYPASS");
  auto trust = TrustPolicyFrom(options, tls.mutual());
  if (!trust.ok()) return trust.status();
  config.trust = *std::move(trust);
  if (config.options.accounts) {
    if (config.trust.service_token.empty() && config.trust.trusted_peers.empty()) {
      return absl::InvalidArgumentError(
          "with ENABLE_ACCOUNT_MANAGEMENT=true the gateway must prove it is the gateway: set "
          "--service-token (same on the gateway) or --trusted-peers with mTLS");
    }
    if (options.Get("auth").empty()) {
      return absl::InvalidArgumentError(
          "ENABLE_ACCOUNT_MANAGEMENT=true needs the auth service: set --auth or AUTH_ADDR");
    }
    // The router proves itself to auth's LimitsService with the same token (or its
    // certificate, with mTLS).
    auto channel = MakeServiceChannel(options.Get("auth"), {tls, config.trust.service_token});
    if (!channel.ok()) return channel.status();
    config.auth_channel = *channel;
    config.redis_url = options.Get("redis-url");
  }
  return config;
}

class RouterProcess : public ServiceProcess {
 public:
  RouterProcess(std::unique_ptr<router::RouterApp> app,
                std::unique_ptr<web::ServiceListeners> listeners, GrpcListenerSettings settings)
      : app_(std::move(app)), listeners_(std::move(listeners)), settings_(settings) {}

  void Reload() override { app_->ReloadAndLog("SIGHUP"); }
  // Health NOT_SERVING, calls still served for the drain delay.
  void BeginDrain() override {
    Log(LogLevel::kInfo, "router", "shutting down");
    listeners_->StopServing();
  }
  absl::Duration DrainDelay() const override { return settings_.drain_delay; }
  // No new calls, those in flight get the drain timeout; the rest end CANCELLED; then the
  // traces go out.
  void Stop() override {
    listeners_->Shutdown(settings_.drain_timeout);
    app_->Shutdown();
    app_->FlushTraces(absl::Seconds(5));
  }

 private:
  std::unique_ptr<router::RouterApp> app_;
  std::unique_ptr<web::ServiceListeners> listeners_;
  GrpcListenerSettings settings_;
};

// Caller auth and tracing, before the app serves.
absl::Status Configure(const Options& options, const TlsFiles& tls, router::RouterApp& app) {
  auto caller_auth = CallerAuthFrom(options, tls);
  if (!caller_auth.ok()) return caller_auth.status();
  if (auto s = app.EnableCallerAuth(*std::move(caller_auth)); !s.ok()) return s;
  if (!options.Get("tracer").empty()) {
    auto channel = MakeServiceChannel(options.Get("tracer"), {tls, ""});
    if (!channel.ok()) return channel.status();
    std::string content = options.Get("trace-content");
    app.EnableTracing(*channel, content == "auto" || options.GetBool("trace-content"));
  } else {
    Log(LogLevel::kInfo, "router",
        "tracer not configured (--tracer/TRACER_ADDR): calls are not traced");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto tls = TlsFilesFrom(options);
  if (!tls.ok()) return tls.status();
  auto upload_prefix = router::UploadPrefixBytesFrom(options);
  if (!upload_prefix.ok()) return FlagValueError(upload_prefix.status());
  router::RouterAppOptions app_options{options.Get("config"), ProcessEnv()};
  app_options.upload_prefix_bytes = *upload_prefix;
  auto upload_budget = router::UploadPrefixBudgetFrom(options);
  if (!upload_budget.ok()) return FlagValueError(upload_budget.status());
  app_options.upload_prefix_budget = *upload_budget;
  auto app = router::RouterApp::Create(std::move(app_options));
  if (!app.ok()) return app.status();
  if (absl::Status s = Configure(options, *tls, **app); !s.ok()) return s;
  auto settings = GrpcListenerSettingsFrom(options);
  if (!settings.ok()) return FlagValueError(settings.status());
  auto listeners = web::ServiceListeners::Start(options, {(*app)->service()}, "router",
                                                settings->max_connection_age);
  if (!listeners.ok()) return listeners.status();
  // A stuck I/O thread turns the gRPC health check (the liveness probe) NOT_SERVING.
  grpc::HealthCheckServiceInterface* health = (*listeners)->grpc().GetHealthCheckService();
  (*app)->loops().SetStallListener([health](bool stalled) {
    if (health != nullptr) health->SetServingStatus(!stalled);
  });
  Log(LogLevel::kInfo, "router", "listening",
      {{"service", "router"},
       {"port", std::to_string((*listeners)->port())},
       {"tls", ServerTlsMode(*tls)},
       {"providers", (*app)->config()->AliasList()}});
  return std::make_unique<RouterProcess>(*std::move(app), *std::move(listeners), *settings);
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain(
      {"llmsrouter-router", "router",
       "llmsrouter-router — routes OpenAI calls to the configured providers (gRPC).\n"
       "Usage: llmsrouter-router [--config FILE] [--listen HOST:PORT] [--tracer ADDR]\n"
       "SIGHUP reloads the config file.",
       RouterFlagSpecs()},
      argc, argv, Start);
}
