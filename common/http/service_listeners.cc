#include "common/http/service_listeners.h"

#include "common/grpc_tls.h"
#include "common/http/metrics_server.h"
#include "common/log.h"

namespace llmsrouter::web {

absl::StatusOr<std::unique_ptr<ServiceListeners>> ServiceListeners::Start(
    const Options& options, const std::vector<grpc::Service*>& services,
    std::string_view component) {
  auto credentials = ServerCredentialsFrom(options);
  if (!credentials.ok()) return credentials.status();
  auto grpc_server = StartGrpcServer(options.Get("listen"), services, *credentials);
  if (!grpc_server.ok()) return grpc_server.status();
  std::unique_ptr<ServiceListeners> listeners(new ServiceListeners());
  listeners->grpc_ = *std::move(grpc_server);
  const std::string& metrics_listen = options.Get("metrics-listen");
  if (metrics_listen.empty()) return listeners;
  auto metrics = StartMetricsServer(metrics_listen);
  if (!metrics.ok()) return metrics.status();
  listeners->metrics_ = *std::move(metrics);
  Log(LogLevel::kInfo, component, "metrics listening",
      {{"metrics_port", std::to_string(listeners->metrics_->port())}});
  return listeners;
}

ServiceListeners::~ServiceListeners() { Shutdown(absl::ZeroDuration()); }

void ServiceListeners::Shutdown(absl::Duration deadline) {
  if (grpc_.server) {
    grpc_.server->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
    grpc_.server.reset();
  }
  if (metrics_) metrics_->Stop();
}

}  // namespace llmsrouter::web
