// A Scheduler for tests: work runs only when the test says so.
#ifndef LLMSROUTER_COMMON_TESTING_FAKE_SCHEDULER_H_
#define LLMSROUTER_COMMON_TESTING_FAKE_SCHEDULER_H_

#include <functional>
#include <utility>
#include <vector>

#include "common/scheduler.h"

namespace llmsrouter {

class FakeScheduler : public Scheduler {
 public:
  void RunAfter(absl::Duration delay, std::function<void()> fn) override {
    delays.push_back(delay);
    pending.push_back(std::move(fn));
  }
  // Runs everything pending now (including work scheduled while running).
  void RunAll() {
    while (!pending.empty()) {
      auto fn = std::move(pending.front());
      pending.erase(pending.begin());
      fn();
    }
  }
  std::vector<absl::Duration> delays;
  std::vector<std::function<void()>> pending;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TESTING_FAKE_SCHEDULER_H_
