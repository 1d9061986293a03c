#include "services/tracer/tracer_service.h"

namespace llmsrouter::tracer {

grpc::ServerUnaryReactor* TracerService::Record(grpc::CallbackServerContext* context,
                                                const v1::RecordRequest* request,
                                                v1::RecordResponse* response) {
  std::vector<v1::TraceEvent> events(request->events().begin(), request->events().end());
  response->set_accepted(static_cast<int32_t>(batcher_->Add(std::move(events))));
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace llmsrouter::tracer
