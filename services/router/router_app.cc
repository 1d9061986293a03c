#include "services/router/router_app.h"

#include <random>

namespace llmsrouter::router {

RouterApp::RouterApp(RouterAppOptions options, std::shared_ptr<const RouterConfig> config)
    : options_(std::move(options)),
      store_(std::move(config)),
      service_(RouterDeps{&store_, &http_, &SystemClock::Get(), &scheduler_, &limiter_,
                          [] {
                            thread_local std::mt19937_64 engine{std::random_device{}()};
                            return std::uniform_real_distribution<double>(0, 1)(engine);
                          }}) {}

absl::StatusOr<std::unique_ptr<RouterApp>> RouterApp::Create(RouterAppOptions options) {
  auto config = LoadRouterConfig(options.config_path, options.env);
  if (!config.ok()) return config.status();
  return std::unique_ptr<RouterApp>(new RouterApp(std::move(options), *std::move(config)));
}

absl::Status RouterApp::Reload() {
  auto config = LoadRouterConfig(options_.config_path, options_.env);
  if (!config.ok()) return config.status();
  store_.Set(*std::move(config));
  return absl::OkStatus();
}

}  // namespace llmsrouter::router
