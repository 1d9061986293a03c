// llmsrouter-tracer: receives trace events over gRPC and exports them to Langfuse.
#include "common/grpc_tls.h"
#include "common/http/service_listeners.h"
#include "common/log.h"
#include "common/service_main.h"
#include "common/strings.h"
#include "services/tracer/tracer_flags.h"

using namespace llmsrouter;

namespace {

std::vector<FlagSpec> Flags() {
  std::vector<FlagSpec> specs = tracer::TracerFlagSpecs();
  specs.insert(specs.begin(),
               {FlagSpec{"listen", "LLMSROUTER_LISTEN", "127.0.0.1:50053",
                         "gRPC address (use 0.0.0.0:50053 in containers)."},
                FlagSpec{"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
                         "HTTP address for Prometheus /metrics (e.g. 0.0.0.0:9093); empty: off."}});
  specs.push_back({"drain-timeout", "LLMSROUTER_DRAIN_TIMEOUT", "10",
                   "Seconds allowed on SIGTERM to export what is queued."});
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  return specs;
}

class TracerProcess : public ServiceProcess {
 public:
  TracerProcess(std::unique_ptr<tracer::TracerApp> app,
                std::unique_ptr<web::ServiceListeners> listeners, absl::Duration drain)
      : app_(std::move(app)), listeners_(std::move(listeners)), drain_(drain) {}

  // Calls in flight get 2 s; then what is queued is exported within the drain timeout.
  void Stop() override {
    listeners_->Shutdown(absl::Seconds(2));
    bool all = app_->batcher().Shutdown(drain_);
    Log(LogLevel::kInfo, "tracer", "stopped",
        {{"exported", std::to_string(app_->batcher().exported())},
         {"dropped", std::to_string(app_->batcher().dropped())},
         {"flushed_all", all ? "true" : "false"}});
  }

 private:
  std::unique_ptr<tracer::TracerApp> app_;
  std::unique_ptr<web::ServiceListeners> listeners_;
  absl::Duration drain_;
};

absl::StatusOr<std::unique_ptr<ServiceProcess>> Start(const Options& options) {
  auto app = tracer::TracerApp::Create(tracer::TracerOptionsFrom(options));
  if (!app.ok()) return app.status();
  auto listeners = web::ServiceListeners::Start(options, {(*app)->service()}, "tracer");
  if (!listeners.ok()) return listeners.status();
  Log(LogLevel::kInfo, "tracer", "listening",
      {{"service", "tracer"},
       {"port", std::to_string((*listeners)->port())},
       {"destination", (*app)->destination()}});
  int drain = 10;
  ParseInt(options.Get("drain-timeout"), &drain);
  return std::make_unique<TracerProcess>(*std::move(app), *std::move(listeners),
                                         absl::Seconds(drain));
}

}  // namespace

int main(int argc, char** argv) {
  return RunServiceMain({"llmsrouter-tracer", "tracer",
                         "llmsrouter-tracer — batches trace events and exports them to Langfuse.\n"
                         "Usage: llmsrouter-tracer [--listen HOST:PORT]",
                         Flags()},
                        argc, argv, Start);
}
