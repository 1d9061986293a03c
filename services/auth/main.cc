// llmsrouter-auth: API keys and provider permissions kept in Redis (gRPC).
#include <iostream>

#include "common/grpc_server.h"
#include "common/grpc_tls.h"
#include "common/http/metrics_server.h"
#include "common/log.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "common/signals.h"
#include "services/auth/auth_app.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  SignalWaiter signals;
  std::vector<FlagSpec> specs = {
      {"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50052",
       "gRPC address (use 0.0.0.0:50052 in containers)."},
      {"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
       "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9092); empty: off."},
      {"redis-url", "REDIS_URL", "redis://127.0.0.1:6379/0",
       "Redis holding users and keys: redis://[:password@]host:port[/db]."}};
  for (auto& spec : auth::AdminFlagSpecs()) specs.push_back(std::move(spec));
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  auto options = Options::FromProcess(std::move(specs), argc, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-auth: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-auth — API keys, users and provider permissions (Redis).\n"
        "Usage: llmsrouter-auth [--listen HOST:PORT] [--redis-url URL]");
    return 0;
  }
  auto tls = TlsFilesFrom(*options);
  auto admin = tls.ok()
                   ? auth::AdminOptionsFrom(*options, options->Get("listen"), tls->server_enabled())
                   : absl::StatusOr<auth::AdminOptions>(tls.status());
  if (!admin.ok()) {
    Log(LogLevel::kError, "auth", "cannot start",
        {{"error", std::string(admin.status().message())}});
    return 1;
  }
  auto app = auth::AuthApp::Create({options->Get("redis-url"), *admin});
  if (!app.ok()) {
    Log(LogLevel::kError, "auth", "cannot start", {{"error", std::string(app.status().message())}});
    return 1;
  }
  auto credentials = ServerCredentialsFrom(*options);
  if (!credentials.ok()) {
    Log(LogLevel::kError, "auth", "cannot start",
        {{"error", std::string(credentials.status().message())}});
    return 1;
  }
  auto server = StartGrpcServer(options->Get("listen"), (*app)->services(), *credentials);
  if (!server.ok()) {
    Log(LogLevel::kError, "auth", "cannot start",
        {{"error", std::string(server.status().message())}});
    return 1;
  }
  if (admin->tokens.empty()) {
    Log(LogLevel::kWarning, "auth", "LLMSROUTER_ADMIN_TOKEN is not set: the admin API is off");
  } else if (!admin->transport_ok) {
    Log(LogLevel::kWarning, "auth",
        "the admin API is refused: TLS is off and --listen is not a loopback address");
  }
  std::unique_ptr<web::HttpServer> metrics;
  if (!web::StartMetricsIfConfigured(options->Get("metrics-listen"), "auth", &metrics)) {
    return 1;
  }
  Log(LogLevel::kInfo, "auth", "listening",
      {{"service", "auth"}, {"port", std::to_string(server->port)}});
  while (signals.Wait() == SIGHUP) {
  }
  Log(LogLevel::kInfo, "auth", "shutting down");
  server->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}
