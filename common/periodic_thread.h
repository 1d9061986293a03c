// Runs a function every interval on its own thread until destroyed.
#ifndef LLMSROUTER_COMMON_PERIODIC_THREAD_H_
#define LLMSROUTER_COMMON_PERIODIC_THREAD_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

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
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop(bool run_now) {
    if (run_now) fn_();
    std::unique_lock lock(mu_);
    while (
        !cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; })) {
      lock.unlock();
      fn_();
      lock.lock();
    }
  }

  absl::Duration interval_;
  std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_PERIODIC_THREAD_H_
