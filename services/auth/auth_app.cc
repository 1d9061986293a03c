#include "services/auth/auth_app.h"

#include "common/log.h"
#include "common/metrics.h"

namespace llmsrouter::auth {

AuthApp::AuthApp(AuthAppOptions options, RedisAddress address)
    : options_(std::move(options)),
      store_(RedisUserStore::Options{.address = std::move(address)}),
      limit_store_(&store_, options_.limits),
      authenticator_(&store_, &SystemClock::Get()),
      workers_(options_.workers, options_.max_queued),
      auth_service_(Deps()),
      admin_service_(Deps(), options_.admin),
      limits_trust_(options_.limits_callers),
      limits_service_(Deps(), &limits_trust_) {}

AuthDeps AuthApp::Deps() {
  return AuthDeps{&store_, &authenticator_, &workers_, &SystemClock::Get(), &limit_store_};
}

absl::StatusOr<std::unique_ptr<AuthApp>> AuthApp::Create(AuthAppOptions options) {
  auto address = ParseRedisUrl(options.redis_url);
  if (!address.ok()) return address.status();
  std::unique_ptr<AuthApp> app(new AuthApp(std::move(options), *std::move(address)));
  app->poller_ = std::make_unique<PeriodicThread>(app->options_.version_poll, /*run_now=*/true,
                                                  [raw = app.get()] { raw->PollVersion(); });
  auto& registry = MetricsRegistry::Global();
  Authenticator* auth = &app->authenticator_;
  registry.AddCallback("llmsrouter_auth_cache_hits_total", "Key checks answered from the cache.",
                       "counter", [auth] { return static_cast<double>(auth->hits()); });
  registry.AddCallback("llmsrouter_auth_cache_misses_total", "Key checks that needed Redis.",
                       "counter", [auth] { return static_cast<double>(auth->misses()); });
  WorkerPool* workers = &app->workers_;
  registry.AddCallback("llmsrouter_auth_worker_queue_depth",
                       "Store calls waiting for an auth worker thread.", "gauge",
                       [workers] { return static_cast<double>(workers->queued()); });
  registry.AddCallback("llmsrouter_auth_worker_refused_total",
                       "Store calls refused (UNAVAILABLE) because the worker queue was full.",
                       "counter", [workers] { return static_cast<double>(workers->refused()); });
  return app;
}

void AuthApp::PollVersion() {
  auto version = store_.Version();
  if (version.ok()) {
    authenticator_.ObserveVersion(*version);
    if (store_down_) Log(LogLevel::kInfo, "auth", "user store reachable again");
    store_down_ = false;
  } else if (!store_down_) {
    Log(LogLevel::kError, "auth", "user store unreachable; known keys keep working from cache",
        {{"error", std::string(version.status().message())}});
    store_down_ = true;
  }
}

}  // namespace llmsrouter::auth
