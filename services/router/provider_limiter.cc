#include "services/router/provider_limiter.h"

#include <algorithm>

#include "common/metrics.h"
#include "common/strings.h"

namespace llmsrouter::router {
namespace {

Gauge& Waiting() {
  static Gauge& g = MetricsRegistry::Global().GetGauge(
      "llmsrouter_provider_slot_waiting", "Calls queued for a provider slot (max_connections).");
  return g;
}

}  // namespace

absl::StatusOr<ProviderLimiter::Ticket> ProviderLimiter::Acquire(const std::string& alias, int cap,
                                                                 std::function<void()> start) {
  {
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_[alias];
    if (cap > 0 && slot.in_flight >= cap) {
      if (slot.waiting.size() >= max_waiting_) {
        return absl::ResourceExhaustedError(
            StrCat("provider '", alias, "' is at max_connections (", cap, ") with ", max_waiting_,
                   " calls already waiting for a slot; try again later"));
      }
      Ticket ticket = next_ticket_++;
      slot.waiting.push_back({ticket, std::move(start)});
      Waiting().Add(1);
      return ticket;
    }
    ++slot.in_flight;
  }
  start();
  return 0;
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
    next = std::move(slot.waiting.front().start);
    slot.waiting.pop_front();
    Waiting().Add(-1);
  }
  next();  // the slot passes straight to the next waiter
}

bool ProviderLimiter::Abandon(const std::string& alias, Ticket ticket) {
  if (ticket == 0) return false;
  absl::MutexLock lock(&mu_);
  auto slot = slots_.find(alias);
  if (slot == slots_.end()) return false;
  auto& waiting = slot->second.waiting;
  auto it = std::find_if(waiting.begin(), waiting.end(),
                         [ticket](const Waiter& w) { return w.ticket == ticket; });
  if (it == waiting.end()) return false;
  waiting.erase(it);
  Waiting().Add(-1);
  return true;
}

int ProviderLimiter::in_flight(const std::string& alias) {
  absl::MutexLock lock(&mu_);
  auto it = slots_.find(alias);
  return it == slots_.end() ? 0 : it->second.in_flight;
}

int ProviderLimiter::waiting(const std::string& alias) {
  absl::MutexLock lock(&mu_);
  auto it = slots_.find(alias);
  return it == slots_.end() ? 0 : static_cast<int>(it->second.waiting.size());
}

size_t ProviderLimiter::tracked() {
  absl::MutexLock lock(&mu_);
  return slots_.size();
}

}  // namespace llmsrouter::router
