// llmsrouter-auth: API keys and provider permissions kept in Redis (gRPC).
#include "common/grpc_tls.h"
#include "common/http/service_listeners.h"
#include "common/log.h"
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
       "Redis holding users and keys: redis://[:password@]host:port[/db]."}};
  for (auto& spec : auth::AdminFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  return specs;
}

class AuthProcess : public ServiceProcess {
 public:
  AuthProcess(std::unique_ptr<auth::AuthApp> app, std::unique_ptr<web::ServiceListeners> listeners)
      : app_(std::move(app)), listeners_(std::move(listeners)) {}

  void Stop() override {
    Log(LogLevel::kInfo, "auth", "shutting down");
    listeners_->Shutdown(absl::Seconds(5));
  }

 private:
  std::unique_ptr<auth::AuthApp> app_;
  std::unique_ptr<web::ServiceListeners> listeners_;
};

void WarnAboutAdmin(const auth::AdminOptions& admin) {
  if (admin.tokens.empty()) {
    Log(LogLevel::kWarning, "auth", "LLMSROUTER_ADMIN_TOKEN is not set: the admin API is off");
  } else if (!admin.transport_ok) {
    Log(LogLevel::kWarning, "auth",
        "the admin API is refused: TLS is off and --listen is not a loopback address");
  }
}

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto tls = TlsFilesFrom(options);
  if (!tls.ok()) return tls.status();
  auto admin = auth::AdminOptionsFrom(options, options.Get("listen"), tls->server_enabled());
  if (!admin.ok()) return admin.status();
  auto app = auth::AuthApp::Create({options.Get("redis-url"), *admin});
  if (!app.ok()) return app.status();
  auto listeners = web::ServiceListeners::Start(options, (*app)->services(), "auth");
  if (!listeners.ok()) return listeners.status();
  WarnAboutAdmin(*admin);
  Log(LogLevel::kInfo, "auth", "listening",
      {{"service", "auth"}, {"port", std::to_string((*listeners)->port())}});
  return std::make_unique<AuthProcess>(*std::move(app), *std::move(listeners));
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain({"llmsrouter-auth", "auth",
                         "llmsrouter-auth — API keys, users and provider permissions (Redis).\n"
                         "Usage: llmsrouter-auth [--listen HOST:PORT] [--redis-url URL]",
                         Flags()},
                        argc, argv, Start);
}
