// A few threads for blocking work (e.g. a Redis call) that must stay off gRPC callback and
// Asio threads, behind a bounded queue.
#ifndef LLMSROUTER_COMMON_WORKER_POOL_H_
#define LLMSROUTER_COMMON_WORKER_POOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace llmsrouter {

class WorkerPool {
 public:
  static constexpr size_t kDefaultMaxQueued = 10000;

  // `max_queued`: tasks that may wait for a thread (not counting those running).
  explicit WorkerPool(int threads, size_t max_queued = kDefaultMaxQueued);
  // Runs what is queued, then joins.
  ~WorkerPool();
  // Thread-safe. Queues `work` for a worker thread; UNAVAILABLE (naming the bound) when
  // `max_queued` tasks are waiting already: `work` is then destroyed without running, and
  // the caller answers its own caller with the status.
  absl::Status Post(std::function<void()> work);
  // Tasks waiting for a thread now.
  size_t queued();
  // Tasks refused because the queue was full, since construction.
  uint64_t refused();

 private:
  void Loop();
  const size_t max_queued_;
  bool HasWorkOrStops() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  }
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_WORKER_POOL_H_
