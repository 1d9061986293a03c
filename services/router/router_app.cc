#include "services/router/router_app.h"

#include <random>

#include "common/limits/limit_scripts.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/redis_url.h"
#include "common/user_limits.h"
#include "services/router/upload_prefix_budget.h"

namespace llmsrouter::router {

namespace {

LoopPool* PoolFor(const RouterAppOptions& options, std::unique_ptr<LoopPool>* owned) {
  if (options.loops != nullptr) return options.loops;
  *owned = std::make_unique<LoopPool>(options.threads, "router");
  return owned->get();
}

double UnitRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(engine);
}

}  // namespace

RouterApp::RouterApp(RouterAppOptions options, std::shared_ptr<const RouterConfig> config)
    : options_(std::move(options)),
      store_(std::move(config)),
      pool_(PoolFor(options_, &owned_loops_)),
      groups_(SystemClock::Get(), UnitRandom),
      service_(
          RouterDeps{&store_, nullptr, &SystemClock::Get(), &scheduler_, &limiter_, UnitRandom}) {
  service_.SetGroups(&groups_);
  service_.SetUploadPrefixBytes(options_.upload_prefix_bytes);
  service_.SetUploadPrefixBudget(&HeldUploadPrefixes(), options_.upload_prefix_budget);
  RegisterUploadHeldBytesGauge();
  loops_.pool = pool_;
  for (int i = 0; i < pool_->size(); ++i) {
    http_.push_back(std::make_unique<CurlHttpClient>(pool_->loop(i)));
    loops_.http.push_back(http_.back().get());
  }
  // Calls outside the loops (model list fetches) use the first loop's client.
  service_.SetLoops(&loops_, http_.front().get());
  checker_ = std::make_shared<HealthChecker>(&store_, &groups_, http_.front().get(),
                                             SystemClock::Get(), &scheduler_);
  checker_->Start();
  service_.RequireCallerAuth();
}

absl::Status RouterApp::EnableCallerAuth(CallerAuthConfig config) {
  if (authorizer_) return absl::FailedPreconditionError("caller auth is already set");
  if (config.options.accounts && !config.auth_channel) {
    return absl::InvalidArgumentError(
        "ENABLE_ACCOUNT_MANAGEMENT=true needs the auth service: set --auth or AUTH_ADDR");
  }
  auto trust = std::make_unique<CallerTrust>(std::move(config.trust));
  std::unique_ptr<GrpcAuthClient> auth;
  if (config.options.accounts) {
    if (absl::Status s = EnableMetering(config); !s.ok()) return s;
    auth = std::make_unique<GrpcAuthClient>(std::move(config.auth_channel), config.auth_cache_ttl);
  }
  const CallLimitsConfig& calls = store_.Get()->limits.calls;
  if (!config.options.accounts && (!calls.providers.empty() || HasLimits(calls.default_user))) {
    // Limits live in the auth service's Redis: without accounts there is nowhere to count.
    Log(LogLevel::kWarning, "router",
        "limits.providers and limits.default are not applied: they need accounts "
        "(ENABLE_ACCOUNT_MANAGEMENT=true and the auth service's Redis)");
  }
  auto authorizer = std::make_unique<CallAuthorizer>(config.options, trust.get(), auth.get());
  trust_ = std::move(trust);
  auth_client_ = std::move(auth);
  authorizer_ = std::move(authorizer);
  service_.SetCallerAuth(authorizer_.get());
  return absl::OkStatus();
}

absl::Status RouterApp::EnableMetering(const CallerAuthConfig& config) {
  // Limits and spend live next to the users. Without the Redis URL: through the auth service
  // (one admission per call of a limited user, one settlement per call).
  if (config.redis_url.empty()) {
    limits_client_ = std::make_unique<GrpcLimitsClient>(
        config.limits_channel ? config.limits_channel : config.auth_channel, absl::Seconds(1));
    StartRenewer();
    service_.SetMeter(MeterOptions{.client = limits_client_.get(), .renewer = renewer_.get()});
    return absl::OkStatus();
  }
  auto address = ParseRedisUrl(config.redis_url);
  if (!address.ok()) return address.status();
  PipelinedRedis::Options redis;
  redis.connector.address = *std::move(address);
  redis.preload_scripts = {limits::AdmitScript(), limits::SettleScript(), limits::UsageScript(),
                           limits::RenewScript()};
  redis_ = std::make_unique<PipelinedRedis>(std::move(redis));
  limits_client_ =
      std::make_unique<RedisLimitsClient>(redis_.get(), SystemClock::Get(), RedisLimitsOptions{});
  usage_ =
      std::make_unique<UsageRecorder>(redis_.get(), SystemClock::Get(), UsageRecorder::Options{});
  StartRenewer();
  service_.SetMeter(MeterOptions{
      .client = limits_client_.get(), .usage = usage_.get(), .renewer = renewer_.get()});
  Log(LogLevel::kInfo, "router", "limits and spend on Redis", {{"redis", redis_->Describe()}});
  return absl::OkStatus();
}

void RouterApp::StartRenewer() {
  renewer_ = std::make_unique<LeaseRenewer>(limits_client_.get(), &SystemClock::Get());
  renewal_thread_ = std::make_unique<PeriodicThread>(absl::Seconds(1), /*run_now=*/false,
                                                     [this] { renewer_->RenewDue(); });
}

void RouterApp::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  checker_->Stop();
  renewal_thread_.reset();  // joined before the limits client or its channel go
  pool_->RunOnEach([this](IoLoop& loop) { http_[loop.index()]->Shutdown(); });
  if (owned_loops_) {
    owned_loops_->Stop();
    StopMetering();
  }
}

void RouterApp::StopMetering() {
  if (usage_) usage_->Stop();
  if (redis_) redis_->Stop();
}

RouterApp::~RouterApp() {
  Shutdown();
  StopMetering();
}

void RouterApp::EnableTracing(std::shared_ptr<grpc::Channel> channel, bool content) {
  shipper_ = std::make_unique<GrpcTracerClient>(std::move(channel), GrpcTracerClient::Options{});
  service_.SetTracing(shipper_.get(), content);
  GrpcTracerClient* shipper = shipper_.get();
  MetricsRegistry::Global().AddCallback(
      "llmsrouter_trace_buffer_depth", "Trace events the router holds for the tracer.", "gauge",
      [shipper] { return static_cast<double>(shipper->queued()); });
  MetricsRegistry::Global().AddCallback(
      "llmsrouter_trace_buffer_dropped_total", "Trace events dropped because the buffer was full.",
      "counter", [shipper] { return static_cast<double>(shipper->dropped()); });
}

absl::StatusOr<std::unique_ptr<RouterApp>> RouterApp::Create(RouterAppOptions options) {
  auto config = LoadRouterConfig(options.config_path, options.env);
  if (!config.ok()) return config.status();
  std::unique_ptr<RouterApp> app(new RouterApp(std::move(options), *std::move(config)));
  if (app->options_.watch_interval > absl::ZeroDuration()) {
    RouterApp* raw = app.get();
    app->watcher_ =
        std::make_unique<FileWatcher>(app->options_.config_path, app->options_.watch_interval,
                                      [raw] { raw->ReloadAndLog("file changed"); });
  }
  return app;
}

void RouterApp::ReloadAndLog(std::string_view reason) {
  if (absl::Status status = Reload(); !status.ok()) {
    Log(LogLevel::kError, "router", "config reload rejected; keeping the old config",
        {{"reason", std::string(reason)}, {"error", std::string(status.message())}});
    return;
  }
  Log(LogLevel::kInfo, "router", "config reloaded",
      {{"reason", std::string(reason)}, {"providers", config()->AliasList()}});
}

absl::Status RouterApp::Reload() {
  auto config = LoadRouterConfig(options_.config_path, options_.env);
  if (!config.ok()) return config.status();
  store_.Set(*std::move(config));
  return absl::OkStatus();
}

}  // namespace llmsrouter::router
