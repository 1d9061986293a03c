// The tracer's gRPC service: Record() hands the events to the batcher.
#ifndef LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_
#define LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_

#include "llmsrouter/tracer/v1/tracer.grpc.pb.h"
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

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACER_SERVICE_H_
