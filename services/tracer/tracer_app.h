// The tracer's wiring: the exporter chosen from options, the batcher and the gRPC service,
// used by llmsrouter-tracer and the all-in-one binary alike.
#ifndef LLMSROUTER_SERVICES_TRACER_TRACER_APP_H_
#define LLMSROUTER_SERVICES_TRACER_TRACER_APP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/tracer/exporters.h"
#include "services/tracer/trace_batcher.h"
#include "services/tracer/tracer_service.h"

namespace llmsrouter::tracer {

struct TracerAppOptions {
  // Langfuse (LANGFUSE_HOST, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY); empty host: JSON lines.
  LangfuseOptions langfuse;
  // "otlp" (default) or "ingestion" (legacy batch API).
  std::string mode = "otlp";
  // JSON-lines destination when Langfuse is not configured ("-" = stdout).
  std::string jsonl_path = "-";
  BatcherOptions batcher;
};

class TracerApp {
 public:
  // INVALID_ARGUMENT for an unknown mode or a host without keys.
  static absl::StatusOr<std::unique_ptr<TracerApp>> Create(TracerAppOptions options);
  grpc::Service* service() { return &service_; }
  TraceBatcher& batcher() { return *batcher_; }
  // A line for the start-up log: where traces go.
  const std::string& destination() const { return destination_; }

 private:
  TracerApp(std::unique_ptr<TraceBatcher> batcher, std::string destination)
      : batcher_(std::move(batcher)),
        service_(batcher_.get()),
        destination_(std::move(destination)) {}
  std::unique_ptr<TraceBatcher> batcher_;
  TracerService service_;
  std::string destination_;
};

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACER_APP_H_
