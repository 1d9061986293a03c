// Waiting for process signals on the main thread.
#ifndef LLMSROUTER_COMMON_SIGNALS_H_
#define LLMSROUTER_COMMON_SIGNALS_H_

#include <csignal>

#include "absl/time/time.h"

namespace llmsrouter {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread started after it;
// call first thing in main. Wait() returns the next of them to arrive.
class SignalWaiter {
 public:
  SignalWaiter();
  int Wait();
  // The next of them to arrive within `timeout`, or 0 when none did.
  int WaitFor(absl::Duration timeout);

 private:
  sigset_t set_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_SIGNALS_H_
