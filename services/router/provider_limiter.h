// Caps concurrent upstream requests per provider; calls over the cap wait in FIFO order.
#ifndef LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_
#define LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_

#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace llmsrouter::router {

// Thread-safe. Lives across config reloads (keyed by alias; the cap is read at each Acquire).
class ProviderLimiter {
 public:
  // Runs `start` now (on this thread) if `alias` has fewer than `cap` requests in flight
  // (cap <= 0: no limit), else when a slot is released (on the releasing thread).
  // Every started request must be paired with one Release(alias).
  void Acquire(const std::string& alias, int cap, std::function<void()> start);
  void Release(const std::string& alias);
  int in_flight(const std::string& alias);
  // Aliases with requests in flight or waiting (idle ones are not kept).
  size_t tracked();

 private:
  struct Slot {
    int in_flight = 0;
    std::deque<std::function<void()>> waiting;
  };
  absl::Mutex mu_;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_
