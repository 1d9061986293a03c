// llmsrouter-auth: API keys and provider permissions kept in Redis (gRPC).
#include "common/graceful_stop.h"
#include "common/grpc_tls.h"
#include "common/http/service_listeners.h"
#include "common/log.h"
#include "common/service_identity.h"
#include "common/service_main.h"
#include "services/auth/auth_app.h"

using namespace llmsrouter;

namespace {

std::vector<FlagSpec> Flags() {
  std::vector<FlagSpec> specs = {
      {"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50052",
       "gRPC address (use 0.0.0.0:50052 in containers)."},
      {"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
       "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9092); empty: off."},
      {"redis-url", "REDIS_URL", "redis://127.0.0.1:6379/0",
       "Redis holding users and keys: redis://[:password@]host:port[/db], or through Sentinel "
       "redis-sentinel://[:password@]host:port[,host:port...]/master-name[/db]."}};
  specs.push_back({"trusted-peers", "LLMSROUTER_TRUSTED_PEERS", "",
                   "Comma list of client-certificate names (DNS/URI SAN or CN) trusted as the "
                   "router by the limits service (needs --tls-ca)."});
  for (auto& spec : ServiceTokenFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : auth::AdminFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : GrpcListenerFlagSpecs("5")) specs.push_back(std::move(spec));
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  return specs;
}

class AuthProcess : public ServiceProcess {
 public:
  AuthProcess(std::unique_ptr<auth::AuthApp> app, std::unique_ptr<web::ServiceListeners> listeners,
              GrpcListenerSettings settings)
      : app_(std::move(app)), listeners_(std::move(listeners)), settings_(settings) {}

  // Health NOT_SERVING, calls still served for the drain delay.
  void BeginDrain() override {
    Log(LogLevel::kInfo, "auth", "shutting down");
    listeners_->StopServing();
  }
  absl::Duration DrainDelay() const override { return settings_.drain_delay; }
  void Stop() override { listeners_->Shutdown(settings_.drain_timeout); }

 private:
  std::unique_ptr<auth::AuthApp> app_;
  std::unique_ptr<web::ServiceListeners> listeners_;
  GrpcListenerSettings settings_;
};

void WarnAboutAdmin(const auth::AdminOptions& admin) {
  if (admin.tokens.empty()) {
    Log(LogLevel::kWarning, "auth", "LLMSROUTER_ADMIN_TOKEN is not set: the admin API is off");
  } else if (!admin.transport_ok) {
    Log(LogLevel::kWarning, "auth",
        "the admin API is refused: TLS is off and --listen is not a loopback address");
  }
}

// Who may call the LimitsService: the router, by the shared service token or its certificate.
absl::StatusOr<TrustPolicy> LimitsCallers(const Options& options, const TlsFiles& tls) {
  auto policy = TrustPolicyFrom(options, tls.mutual());
  if (!policy.ok()) return policy.status();
  if (policy->service_token.empty() && policy->trusted_peers.empty()) {
    Log(LogLevel::kWarning, "auth",
        "no --service-token or --trusted-peers: the limits service refuses every caller, so "
        "users with limits cannot call (set the router's token here too)");
  }
  return policy;
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto tls = TlsFilesFrom(options);
  if (!tls.ok()) return tls.status();
  auto admin = auth::AdminOptionsFrom(options, options.Get("listen"), tls->server_enabled());
  if (!admin.ok()) return admin.status();
  auto callers = LimitsCallers(options, *tls);
  if (!callers.ok()) return callers.status();
  auth::AuthAppOptions app_options{options.Get("redis-url"), *admin};
  app_options.limits_callers = *std::move(callers);
  auto app = auth::AuthApp::Create(std::move(app_options));
  if (!app.ok()) return app.status();
  auto settings = GrpcListenerSettingsFrom(options);
  if (!settings.ok()) return FlagValueError(settings.status());
  auto listeners = web::ServiceListeners::Start(options, (*app)->services(), "auth",
                                                settings->max_connection_age);
  if (!listeners.ok()) return listeners.status();
  WarnAboutAdmin(*admin);
  Log(LogLevel::kInfo, "auth", "listening",
      {{"service", "auth"}, {"port", std::to_string((*listeners)->port())}});
  return std::make_unique<AuthProcess>(*std::move(app), *std::move(listeners), *settings);
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain({"llmsrouter-auth", "auth",
                         "llmsrouter-auth — API keys, users and provider permissions (Redis).\n"
                         "Usage: llmsrouter-auth [--listen HOST:PORT] [--redis-url URL]",
                         Flags()},
                        argc, argv, Start);
}
