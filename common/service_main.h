// The one shape of a service's main: parse → start → wait. Every server binary's main.cc is a
// call to RunServiceMain with its flags and a start function.
#ifndef LLMSROUTER_COMMON_SERVICE_MAIN_H_
#define LLMSROUTER_COMMON_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/options.h"

namespace llmsrouter {

// A started service, as its main holds it until a signal ends the process. Called on the main
// thread only.
class ServiceProcess {
 public:
  virtual ~ServiceProcess() = default;
  // SIGHUP (default: nothing).
  virtual void Reload() {}
  // SIGTERM or SIGINT: stops the parts in the service's order, within its own deadlines.
  virtual void Stop() = 0;
};

struct ServiceMainSpec {
  std::string binary;     // "llmsrouter-tracer": prefixes flag errors on stderr
  std::string component;  // the log component of "cannot start"
  std::string usage;      // the head of --help
  std::vector<FlagSpec> flags;
};

// Starts the service from parsed flags, or says why it cannot.
using StartService =
    std::function<absl::StatusOr<std::unique_ptr<ServiceProcess>>(const Options& options)>;

// For a start function: `status` is about a flag's value, so the main answers as for a bad
// flag (message on stderr, exit 2) rather than "cannot start" (logged, exit 1).
absl::Status FlagValueError(absl::Status status);

// Sets up the process and blocks SIGINT/SIGTERM/SIGHUP before any thread starts; parses the
// flags (exit 2 on error) and answers --help (exit 0); starts (exit 1, logged as "cannot
// start", on error); then calls Reload() on each SIGHUP until SIGTERM/SIGINT, and Stop().
// Returns the process's exit code.
int RunServiceMain(ServiceMainSpec spec, int argc, char** argv, const StartService& start);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_SERVICE_MAIN_H_
