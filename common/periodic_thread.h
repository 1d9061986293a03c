// Runs a function every interval on its own thread until destroyed.
#ifndef LLMSROUTER_COMMON_PERIODIC_THREAD_H_
#define LLMSROUTER_COMMON_PERIODIC_THREAD_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace llmsrouter {

class PeriodicThread {
 public:
  // `fn` runs on the thread, first right away when `run_now`, then every `interval`.
  PeriodicThread(absl::Duration interval, bool run_now, std::function<void()> fn)
      : interval_(interval), fn_(std::move(fn)) {
    thread_ = std::thread([this, run_now] { Loop(run_now); });
  }
  // Stops waiting and joins (a run in progress finishes first).
  ~PeriodicThread() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

 private:
  void Loop(bool run_now) {
    if (run_now) fn_();
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
      }
      fn_();
    }
  }

  absl::Duration interval_;
  std::function<void()> fn_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_PERIODIC_THREAD_H_
