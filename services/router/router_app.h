// The router's wiring: config store, HTTP client and the gRPC service, used by
// llmsrouter-router and the all-in-one binary alike.
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth_client.h"
#include "common/options.h"
#include "common/periodic_thread.h"
#include "common/service_identity.h"
#include "common/tracer_client.h"
#include "services/router/call_auth.h"
#include "services/router/config_store.h"
#include "services/router/curl_http_client.h"
#include "services/router/file_watcher.h"
#include "services/router/group_balancer.h"
#include "services/router/health_checker.h"
#include "services/router/lease_renewer.h"
#include "services/router/redis_limits_client.h"
#include "services/router/router_service.h"
#include "services/router/usage_recorder.h"

namespace llmsrouter::router {

struct RouterAppOptions {
  std::string config_path = "./config.yaml";
  EnvLookup env;
  // How often the config file is checked for changes (zero: only SIGHUP reloads).
  absl::Duration watch_interval = absl::Seconds(1);
  // Event loops to run calls on, shared with the gateway in the all-in-one (not owned; must
  // outlive the app). Null: the router runs `threads` loops of its own (0: one per core).
  LoopPool* loops = nullptr;
  int threads = 0;
  // Most bytes of a streamed upload held to find its `model` (--upload-prefix-bytes).
  size_t upload_prefix_bytes = 32 << 20;
  // Most bytes all streamed uploads together hold so (--upload-prefix-budget; 0: none).
  size_t upload_prefix_budget = 256 << 20;
};

// Who may call the router's gRPC port with which fields (services/router/call_auth.h).
struct CallerAuthConfig {
  CallAuthOptions options;
  // How the gateway proves itself (empty in the all-in-one, whose gateway is in-process).
  TrustPolicy trust;
  // The auth service; required when options.accounts is on.
  std::shared_ptr<grpc::Channel> auth_channel;
  // The LimitsService (admission, settlement); null: auth_channel. The all-in-one's is
  // in-process only (not served on its public gRPC listener).
  std::shared_ptr<grpc::Channel> limits_channel;
  absl::Duration auth_cache_ttl = absl::Milliseconds(500);
  // The auth service's Redis (REDIS_URL). Set: the router admits and settles calls of users
  // with limits on it itself (one pipelined round trip) and records every user's spend; empty:
  // admissions go through the auth service and users without limits get no spend record.
  std::string redis_url;
};

class RouterApp {
 public:
  // Fails when the config file is missing or invalid (the message names the problem).
  static absl::StatusOr<std::unique_ptr<RouterApp>> Create(RouterAppOptions options);

  RouterService* service() { return &service_; }
  LoopPool& loops() { return *pool_; }
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
  // Ends the transfers still running (their calls finish CANCELLED), on their loops; then
  // stops the router's own loops (and, with them, StopMetering). Call after the servers
  // stopped taking calls.
  void Shutdown();
  // Flushes the spend records held in memory and sends what is queued for Redis, then stops
  // the Redis thread. After the loops stopped (the all-in-one calls it after stopping its
  // shared loops). Idempotent.
  void StopMetering();
  ~RouterApp();
  // Ships the trace events still queued (on shutdown); false if the deadline passed.
  bool FlushTraces(absl::Duration deadline) { return !shipper_ || shipper_->Flush(deadline); }

 private:
  RouterApp(RouterAppOptions options, std::shared_ptr<const RouterConfig> config);
  // Admission, settlement and spend records: on Redis when the config has its URL.
  absl::Status EnableMetering(const CallerAuthConfig& config);
  // The lease renewer over limits_client_ and its thread (joined first at shutdown).
  void StartRenewer();

  RouterAppOptions options_;
  ConfigStore store_;
  ThreadScheduler scheduler_;
  ProviderLimiter limiter_;
  GroupBalancer groups_;
  std::unique_ptr<GrpcTracerClient> shipper_;
  std::unique_ptr<CallerTrust> trust_;
  std::unique_ptr<GrpcAuthClient> auth_client_;
  // The router's own Redis (admissions, settlements, spend records), when it has a URL.
  std::unique_ptr<PipelinedRedis> redis_;
  std::unique_ptr<UsageRecorder> usage_;
  std::unique_ptr<LimitsClient> limits_client_;
  // Renews the parallel leases of running calls; its thread is joined before the client goes.
  std::unique_ptr<LeaseRenewer> renewer_;
  std::unique_ptr<PeriodicThread> renewal_thread_;
  std::unique_ptr<CallAuthorizer> authorizer_;
  std::unique_ptr<LoopPool> owned_loops_;
  LoopPool* pool_;
  // One HTTP client per loop (index = loop index), then the service. The clients go first at
  // destruction (after Shutdown completed their transfers, whose handlers live in calls).
  LoopDeps loops_;
  RouterService service_;
  std::vector<std::unique_ptr<CurlHttpClient>> http_;
  // Active health checks of ejected group deployments (stopped first at shutdown).
  std::shared_ptr<HealthChecker> checker_;
  bool shut_down_ = false;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_APP_H_
