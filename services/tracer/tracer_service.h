// The tracer's gRPC service and its wiring (exporter choice from options).
#ifndef LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_
#define LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmsrouter/tracer/v1/tracer.grpc.pb.h"
#include "services/tracer/exporters.h"
#include "services/tracer/trace_batcher.h"

namespace llmsrouter::tracer {

class TracerService final : public v1::TracerService::CallbackService {
 public:
  explicit TracerService(TraceBatcher* batcher) : batcher_(batcher) {}
  grpc::ServerUnaryReactor* Record(grpc::CallbackServerContext* context,
                                   const v1::RecordRequest* request,
                                   v1::RecordResponse* response) override;

 private:
  TraceBatcher* batcher_;
};

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

#endif  // LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_
