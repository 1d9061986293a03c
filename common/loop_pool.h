// A pool of I/O threads, each running one Asio io_context as an EventLoop, with a heartbeat
// per loop so that a stuck loop is seen (readiness, a metric, a log line) instead of silent.
#ifndef LLMSROUTER_COMMON_LOOP_POOL_H_
#define LLMSROUTER_COMMON_LOOP_POOL_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/event_loop.h"
#include "common/periodic_thread.h"

namespace llmsrouter {

// One loop of the pool. Post/RunAfter are thread-safe.
class IoLoop : public EventLoop {
 public:
  IoLoop(int index, std::string name, absl::Duration tick);
  void Post(std::function<void()> fn) override;
  void RunAfter(absl::Duration delay, std::function<void()> fn) override;
  bool InLoop() const override { return Current() == this; }

  boost::asio::io_context& context() { return context_; }
  int index() const { return index_; }
  const std::string& name() const { return name_; }
  // Time since the loop last ran its heartbeat (zero before it started).
  absl::Duration SinceLastTick() const;
  // The loop running on this thread, or null.
  static IoLoop* Current();

 private:
  friend class LoopPool;
  void Run();
  void Tick();

  const int index_;
  const std::string name_;
  const absl::Duration tick_;
  boost::asio::io_context context_{1};
  boost::asio::steady_timer heartbeat_{context_};
  std::atomic<int64_t> last_tick_us_{0};
};

class LoopPool {
 public:
  // How often each loop ticks, and after how long without a tick it counts as stalled.
  static constexpr absl::Duration kTick = absl::Milliseconds(250);
  static constexpr absl::Duration kStalledAfter = absl::Seconds(2);

  // `threads` <= 0: one per core. Threads start at once; `name` prefixes their names.
  LoopPool(int threads, std::string name, absl::Duration stalled_after = kStalledAfter);
  // Stop() if not done.
  ~LoopPool();

  int size() const { return static_cast<int>(loops_.size()); }
  IoLoop& loop(int i) { return *loops_[i]; }
  // Round-robin, for spreading new connections or calls.
  IoLoop& Next();
  // Runs `fn(loop)` on every loop's thread and waits until all have run (shutdown only;
  // never from a loop thread).
  void RunOnEach(const std::function<void(IoLoop&)>& fn);
  // Names of loops that have not ticked for `stalled_after` ("" when none).
  std::string Stalled() const;
  // Called (on the watchdog thread) with true when a loop becomes stalled and false when all
  // run again; e.g. to flip a gRPC health status. Set before the first stall can happen.
  void SetStallListener(std::function<void(bool)> listener) {
    absl::MutexLock lock(&listener_mu_);
    listener_ = std::move(listener);
  }
  // Stops every loop (work still queued is dropped) and joins the threads.
  void Stop();

 private:
  void Watch();

  std::vector<std::unique_ptr<IoLoop>> loops_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
  std::vector<bool> reported_;  // watchdog thread only
  bool any_reported_ = false;   // watchdog thread only
  absl::Mutex listener_mu_;
  std::function<void(bool)> listener_ ABSL_GUARDED_BY(listener_mu_);
  absl::Duration stalled_after_;
  bool stopped_ = false;
  std::unique_ptr<PeriodicThread> watchdog_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_LOOP_POOL_H_
