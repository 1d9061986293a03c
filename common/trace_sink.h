// Where components hand finished trace events. Never blocks the request path.
#ifndef LLMSROUTER_COMMON_TRACE_SINK_H_
#define LLMSROUTER_COMMON_TRACE_SINK_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "llmsrouter/tracer/v1/tracer.grpc.pb.h"

namespace llmsrouter {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Thread-safe and non-blocking: queues the event (dropping the oldest when full).
  virtual void Record(tracer::v1::TraceEvent event) = 0;
};

// Ships events to the tracer service in batches from a bounded buffer. If the tracer is
// down, events wait (up to `capacity`), then the oldest are dropped and counted.
class GrpcTraceShipper : public TraceSink {
 public:
  struct Options {
    size_t capacity = 10000;
    size_t max_batch = 200;
    absl::Duration linger = absl::Milliseconds(100);
    absl::Duration retry_delay = absl::Milliseconds(500);
  };
  GrpcTraceShipper(std::shared_ptr<grpc::Channel> channel, Options options);
  // Flushes what it can within 5 seconds (as Flush()), then stops.
  ~GrpcTraceShipper() override;

  void Record(tracer::v1::TraceEvent event) override;
  // Sends everything queued; false if the deadline passed first.
  bool Flush(absl::Duration deadline);

  uint64_t dropped() const { return dropped_.load(); }
  uint64_t shipped() const { return shipped_.load(); }
  size_t queued();

 private:
  void Loop();
  bool SendBatch(std::deque<tracer::v1::TraceEvent>& batch);

  std::unique_ptr<tracer::v1::TracerService::Stub> stub_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_;
  std::deque<tracer::v1::TraceEvent> queue_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> shipped_{0};
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TRACE_SINK_H_
