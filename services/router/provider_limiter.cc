#include "services/router/provider_limiter.h"

namespace llmsrouter::router {

void ProviderLimiter::Acquire(const std::string& alias, int cap, std::function<void()> start) {
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[alias];
    if (cap > 0 && slot.in_flight >= cap) {
      slot.waiting.push_back(std::move(start));
      return;
    }
    ++slot.in_flight;
  }
  start();
}

void ProviderLimiter::Release(const std::string& alias) {
  std::function<void()> next;
  {
    absl::MutexLock lock(&mu_);
    auto it = slots_.find(alias);
    if (it == slots_.end()) return;  // unpaired; nothing to release
    Slot& slot = it->second;
    if (slot.waiting.empty()) {
      // An idle alias is forgotten: ad-hoc ?proxy= URLs would otherwise pile up for good.
      if (--slot.in_flight <= 0) slots_.erase(it);
      return;
    }
    next = std::move(slot.waiting.front());
    slot.waiting.pop_front();
  }
  next();  // the slot passes straight to the next waiter
}

int ProviderLimiter::in_flight(const std::string& alias) {
  absl::MutexLock lock(&mu_);
  auto it = slots_.find(alias);
  return it == slots_.end() ? 0 : it->second.in_flight;
}

size_t ProviderLimiter::tracked() {
  absl::MutexLock lock(&mu_);
  return slots_.size();
}

}  // namespace llmsrouter::router
