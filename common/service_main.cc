#include "common/service_main.h"

#include <csignal>
#include <iostream>

#include "absl/strings/cord.h"
#include "common/log.h"
#include "common/process_setup.h"
#include "common/signals.h"

namespace llmsrouter {
namespace {

constexpr char kFlagErrorPayload[] = "type.llmsrouter/flag-error";

}  // namespace

absl::Status FlagValueError(absl::Status status) {
  status.SetPayload(kFlagErrorPayload, absl::Cord("1"));
  return status;
}

int RunServiceMain(ServiceMainSpec spec, int argc, char** argv, const StartService& start) {
  SetUpProcess();
  SignalWaiter signals;
  auto options = Options::FromProcess(std::move(spec.flags), argc, argv);
  if (!options.ok()) {
    std::cerr << spec.binary << ": " << options.status().message() << "\n";
    return 2;
  }
  if (options->help()) {
    std::cout << options->HelpText(spec.usage);
    return 0;
  }
  auto process = start(*options);
  if (!process.ok()) {
    if (process.status().GetPayload(kFlagErrorPayload).has_value()) {
      std::cerr << spec.binary << ": " << process.status().message() << "\n";
      return 2;
    }
    Log(LogLevel::kError, spec.component, "cannot start",
        {{"error", std::string(process.status().message())}});
    return 1;
  }
  while (signals.Wait() == SIGHUP) (*process)->Reload();
  (*process)->Stop();
  return 0;
}

}  // namespace llmsrouter
