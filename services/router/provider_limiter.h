// Caps concurrent upstream requests per provider; calls over the cap wait in FIFO order.
#ifndef LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_
#define LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace llmsrouter::router {

// Thread-safe. Lives across config reloads (keyed by alias; the cap is read at each Acquire).
// Never calls out while holding its lock.
class ProviderLimiter {
 public:
  // Identifies a queued Acquire; 0 means "not queued".
  using Ticket = uint64_t;

  static constexpr size_t kDefaultMaxWaiting = 10000;

  // `max_waiting`: calls that may queue per alias; beyond it Acquire refuses.
  explicit ProviderLimiter(size_t max_waiting = kDefaultMaxWaiting) : max_waiting_(max_waiting) {}

  // Runs `start` now (on this thread, before returning 0) if `alias` has fewer than `cap`
  // requests in flight (cap <= 0: no limit); else queues it and returns its ticket: `start`
  // then runs on the thread that releases a slot, unless Abandon() removed it first.
  // RESOURCE_EXHAUSTED naming the alias when `max_waiting` calls already wait for it: `start`
  // is destroyed without running and no slot is held.
  // Every started request must be paired with one Release(alias).
  absl::StatusOr<Ticket> Acquire(const std::string& alias, int cap, std::function<void()> start);
  void Release(const std::string& alias);
  // Takes a queued Acquire out of the queue (a call cancelled while waiting). True when it was
  // still queued: its `start` will never run and it holds no slot. False when it already got
  // its slot (its `start` has run or is running, and must Release).
  bool Abandon(const std::string& alias, Ticket ticket);
  int in_flight(const std::string& alias);
  int waiting(const std::string& alias);
  // Aliases with requests in flight or waiting (idle ones are not kept).
  size_t tracked();

 private:
  struct Waiter {
    Ticket ticket;
    std::function<void()> start;
  };
  struct Slot {
    int in_flight = 0;
    std::deque<Waiter> waiting;
  };
  const size_t max_waiting_;
  absl::Mutex mu_;
  Ticket next_ticket_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_PROVIDER_LIMITER_H_
