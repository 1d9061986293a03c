#include "common/buffer_budget.h"

namespace llmsrouter {

bool BufferBudget::TryAcquire(size_t bytes, size_t limit) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit || used > limit - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

BufferBudget& BufferBudget::Global() {
  static BufferBudget* budget = new BufferBudget;
  return *budget;
}

bool BufferReservation::Resize(size_t bytes, size_t limit) {
  if (bytes <= held_) {
    budget_->Release(held_ - bytes);
  } else if (!budget_->TryAcquire(bytes - held_, limit)) {
    return false;
  }
  held_ = bytes;
  return true;
}

}  // namespace llmsrouter
