#include "common/process_setup.h"

#include <csignal>

#include "absl/synchronization/mutex.h"

namespace llmsrouter {

void SetUpProcess() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace llmsrouter
