// The tracer service's client: where the router and the gateway hand finished trace events.
// Ships them to the tracer in batches from a bounded buffer (common/batch_sender.h). If the
// tracer is down, events wait (up to `capacity`), then the oldest are dropped and counted.
#ifndef LLMSROUTER_COMMON_TRACER_CLIENT_H_
#define LLMSROUTER_COMMON_TRACER_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "common/batch_sender.h"
#include "common/trace_sink.h"
#include "llmsrouter/tracer/v1/tracer.grpc.pb.h"

namespace llmsrouter {

class GrpcTracerClient : public TraceSink {
 public:
  struct Options {
    size_t capacity = 10000;
    size_t max_batch = 200;
    // How long an event may wait for others to share its batch.
    absl::Duration linger = absl::Milliseconds(100);
    // First retry after a failed send; doubling (equal jitter) up to max_retry_delay.
    absl::Duration retry_delay = absl::Milliseconds(500);
    absl::Duration max_retry_delay = absl::Seconds(5);
  };
  GrpcTracerClient(std::shared_ptr<grpc::Channel> channel, Options options);
  // Flushes what it can within 5 seconds (as Flush()), then stops.
  ~GrpcTracerClient() override;

  // Thread-safe and non-blocking.
  void Record(tracer::v1::TraceEvent event) override;
  // Sends everything queued; false if the deadline passed first.
  bool Flush(absl::Duration deadline) { return sender_.Flush(deadline); }

  uint64_t dropped() const { return sender_.dropped(); }
  uint64_t shipped() const { return sender_.sent(); }
  size_t queued() { return sender_.queued(); }

 private:
  absl::Status Send(const std::vector<tracer::v1::TraceEvent>& batch);

  std::unique_ptr<tracer::v1::TracerService::Stub> stub_;
  BatchSender<tracer::v1::TraceEvent> sender_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TRACER_CLIENT_H_
