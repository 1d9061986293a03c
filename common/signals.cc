#include "common/signals.h"

#include <pthread.h>

namespace llmsrouter {

SignalWaiter::SignalWaiter() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int SignalWaiter::Wait() {
  int signal_number = 0;
  while (sigwait(&set_, &signal_number) != 0) {
  }
  return signal_number;
}

int SignalWaiter::WaitFor(absl::Duration timeout) {
  timespec ts = absl::ToTimespec(timeout);
  int signal_number = sigtimedwait(&set_, nullptr, &ts);
  return signal_number > 0 ? signal_number : 0;
}

}  // namespace llmsrouter
