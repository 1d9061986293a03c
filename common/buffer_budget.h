// A process-wide count of bytes held on behalf of untrusted peers, so that many calls
// together cannot exhaust memory even when each stays under its own cap.
#ifndef LLMSROUTER_COMMON_BUFFER_BUDGET_H_
#define LLMSROUTER_COMMON_BUFFER_BUDGET_H_

#include <atomic>
#include <cstddef>

namespace llmsrouter {

// Thread-safe, lock-free.
class BufferBudget {
 public:
  // Adds `bytes` when the total stays at or below `limit` (the caller's current cap, which may
  // change on a config reload); false (nothing added) otherwise.
  bool TryAcquire(size_t bytes, size_t limit);
  void Release(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }

  static BufferBudget& Global();

 private:
  std::atomic<size_t> used_{0};
};

// The bytes one holder has taken from a budget; gives them back when destroyed.
// Not thread-safe (one per call, used from one thread at a time).
class BufferReservation {
 public:
  explicit BufferReservation(BufferBudget* budget) : budget_(budget) {}
  ~BufferReservation() { Resize(0, 0); }
  BufferReservation(const BufferReservation&) = delete;
  BufferReservation& operator=(const BufferReservation&) = delete;

  // Holds exactly `bytes` from now on; false (and unchanged) when growing past `limit`.
  bool Resize(size_t bytes, size_t limit);
  size_t held() const { return held_; }

 private:
  BufferBudget* budget_;
  size_t held_ = 0;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_BUFFER_BUDGET_H_
