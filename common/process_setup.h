// Process-wide settings every binary applies first thing in main.
#ifndef LLMSROUTER_COMMON_PROCESS_SETUP_H_
#define LLMSROUTER_COMMON_PROCESS_SETUP_H_

namespace llmsrouter {

// Turns off Abseil's mutex deadlock detection (a graph update on every lock/unlock of a new
// mutex — one per call here — which showed up in the profile) and ignores SIGPIPE.
void SetUpProcess();

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_PROCESS_SETUP_H_
