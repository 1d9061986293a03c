#include "common/tracer_client.h"

#include "common/status_map.h"

namespace llmsrouter {
namespace {

BatchSenderOptions SenderOptions(const GrpcTracerClient::Options& options) {
  BatchSenderOptions out;
  out.limits = {options.capacity, options.max_batch, 0, options.linger};
  out.base_backoff = options.retry_delay;
  out.max_backoff = options.max_retry_delay;
  return out;
}

}  // namespace

GrpcTracerClient::GrpcTracerClient(std::shared_ptr<grpc::Channel> channel, Options options)
    : stub_(tracer::v1::TracerService::NewStub(std::move(channel))),
      sender_(SenderOptions(options), [this](const std::vector<tracer::v1::TraceEvent>& batch,
                                             absl::Duration*) { return Send(batch); }) {}

GrpcTracerClient::~GrpcTracerClient() { sender_.Shutdown(absl::Seconds(5)); }

void GrpcTracerClient::Record(tracer::v1::TraceEvent event) { sender_.Add(std::move(event)); }

absl::Status GrpcTracerClient::Send(const std::vector<tracer::v1::TraceEvent>& batch) {
  tracer::v1::RecordRequest request;
  for (const auto& event : batch) *request.add_events() = event;
  tracer::v1::RecordResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return FromGrpcStatus(stub_->Record(&context, request, &response));
}

}  // namespace llmsrouter
