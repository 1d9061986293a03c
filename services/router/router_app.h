// The router's wiring: config store, HTTP client and the gRPC service, used by
// llmsrouter-router and the all-in-one binary alike.
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth_client.h"
#include "common/options.h"
#include "common/service_identity.h"
#include "services/router/call_auth.h"
#include "services/router/config_store.h"
#include "services/router/curl_http_client.h"
#include "services/router/file_watcher.h"
#include "services/router/router_service.h"

namespace llmsrouter::router {

struct RouterAppOptions {
  std::string config_path = "./config.yaml";
  EnvLookup env;
  // How often the config file is checked for changes (zero: only SIGHUP reloads).
  absl::Duration watch_interval = absl::Seconds(1);
};

// Who may call the router's gRPC port with which fields (services/router/call_auth.h).
struct CallerAuthConfig {
  CallAuthOptions options;
  // How the gateway proves itself (empty in the all-in-one, whose gateway is in-process).
  TrustPolicy trust;
  // The auth service; required when options.accounts is on.
  std::shared_ptr<grpc::Channel> auth_channel;
  absl::Duration auth_cache_ttl = absl::Milliseconds(500);
};

class RouterApp {
 public:
  // Fails when the config file is missing or invalid (the message names the problem).
  static absl::StatusOr<std::unique_ptr<RouterApp>> Create(RouterAppOptions options);

  RouterService* service() { return &service_; }
  // Re-reads the config file; on error the old config stays and the error is returned.
  absl::Status Reload();
  // Re-reads the config and logs the outcome (SIGHUP and file changes).
  void ReloadAndLog(std::string_view reason);
  std::shared_ptr<const RouterConfig> config() const { return store_.Get(); }
  // Sends a trace event per call to the tracer behind `channel`. Call before serving.
  void EnableTracing(std::shared_ptr<grpc::Channel> channel, bool content);
  // Who may call the gRPC service; until this ran, gRPC calls are refused (UNAVAILABLE). Once.
  // INVALID_ARGUMENT when accounts are on without an auth channel.
  absl::Status EnableCallerAuth(CallerAuthConfig config);
  // Ships the trace events still queued (on shutdown); false if the deadline passed.
  bool FlushTraces(absl::Duration deadline) { return !shipper_ || shipper_->Flush(deadline); }

 private:
  RouterApp(RouterAppOptions options, std::shared_ptr<const RouterConfig> config);

  RouterAppOptions options_;
  ConfigStore store_;
  ThreadScheduler scheduler_;
  ProviderLimiter limiter_;
  std::unique_ptr<GrpcTraceShipper> shipper_;
  std::unique_ptr<CallerTrust> trust_;
  std::unique_ptr<GrpcAuthClient> auth_client_;
  std::unique_ptr<CallAuthorizer> authorizer_;
  RouterService service_;
  // Declared after the service so that it is destroyed first: its shutdown completes every
  // transfer, and their handlers (exchanges, model fetches) live in the service.
  CurlHttpClient http_;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_
