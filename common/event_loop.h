// The thread a call belongs to. Each I/O thread runs one event loop that owns the client
// connections it accepted and the upstream work they cause (Envoy's worker model): work for a
// call is posted to its loop, never shared under a lock.
#ifndef LLMSROUTER_COMMON_EVENT_LOOP_H_
#define LLMSROUTER_COMMON_EVENT_LOOP_H_

#include <functional>

#include "common/scheduler.h"

namespace llmsrouter {

class EventLoop : public Scheduler {
 public:
  // Runs `fn` on the loop's thread, later: never inside Post(), even on that thread (so a
  // caller inside a library callback can post work that the library forbids there).
  // Thread-safe; `fn` must not block.
  virtual void Post(std::function<void()> fn) = 0;
  // True on the loop's own thread.
  virtual bool InLoop() const = 0;
  // Scheduler::RunAfter: `fn` runs on the loop's thread.
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_EVENT_LOOP_H_
