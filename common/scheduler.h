// Running work later, behind an interface so that retry logic is testable without sleeping.
#ifndef LLMSROUTER_COMMON_SCHEDULER_H_
#define LLMSROUTER_COMMON_SCHEDULER_H_

#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace llmsrouter {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Runs `fn` once after `delay` on the scheduler's thread. Thread-safe. `fn` must not block.
  virtual void RunAfter(absl::Duration delay, std::function<void()> fn) = 0;
};

// One thread and a time-ordered queue. Pending work is dropped at destruction.
class ThreadScheduler : public Scheduler {
 public:
  ThreadScheduler();
  ~ThreadScheduler() override;
  void RunAfter(absl::Duration delay, std::function<void()> fn) override;

 private:
  void Loop();

  // True once the earliest deadline may have moved (a new task, or stopping).
  bool Changed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || changed_; }

  absl::Mutex mu_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> queue_
      ABSL_GUARDED_BY(mu_);
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_SCHEDULER_H_
