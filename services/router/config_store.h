// The current provider configuration, swapped atomically on reload.
#ifndef LLMSROUTER_SERVICES_ROUTER_CONFIG_STORE_H_
#define LLMSROUTER_SERVICES_ROUTER_CONFIG_STORE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/router/router_config.h"

namespace llmsrouter::router {

// Thread-safe. Readers keep the snapshot they got for as long as they need it, so a reload
// never changes a call in flight.
class ConfigStore {
 public:
  explicit ConfigStore(std::shared_ptr<const RouterConfig> config) : config_(std::move(config)) {}
  std::shared_ptr<const RouterConfig> Get() const {
    absl::MutexLock lock(&mu_);
    return config_;
  }
  void Set(std::shared_ptr<const RouterConfig> config) {
    absl::MutexLock lock(&mu_);
    config_ = std::move(config);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const RouterConfig> config_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CONFIG_STORE_H_
