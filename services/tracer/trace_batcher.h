// Batches trace events by count, bytes and age and exports them on its own thread, retrying
// with backoff on transient failures. Bounded: when full, the oldest events are dropped and
// counted.
#ifndef LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_
#define LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "services/tracer/trace_exporter.h"

namespace llmsrouter::tracer {

struct BatcherOptions {
  size_t capacity = 20000;  // events held while the exporter is failing
  size_t max_batch_events = 100;
  size_t max_batch_bytes = 3 << 20;  // Langfuse's batch limit is 3.5 MB
  absl::Duration max_age = absl::Seconds(1);
  size_t max_event_bytes = 1 << 20;  // larger events get input/output truncated
  bool content = true;               // false: drop input and output (privacy)
  absl::Duration base_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
};

// Cuts input/output so the event fits `max_bytes`, marking it truncated. Exposed for tests.
void FitEvent(v1::TraceEvent& event, size_t max_bytes);

class TraceBatcher {
 public:
  // `random` returns uniform [0,1) for jitter.
  TraceBatcher(std::unique_ptr<TraceExporter> exporter, BatcherOptions options,
               std::function<double()> random);
  ~TraceBatcher();

  // Thread-safe, non-blocking. Returns how many were accepted (all; the oldest queued ones
  // are dropped when full).
  size_t Add(std::vector<v1::TraceEvent> events);
  // Exports everything queued, stopping at `deadline`; returns true when all went out.
  bool Shutdown(absl::Duration deadline);

  uint64_t exported() const { return exported_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t failed_exports() const { return failed_exports_; }
  size_t queued();

 private:
  void Loop();
  bool ReadyLocked(std::chrono::steady_clock::time_point now);
  std::vector<v1::TraceEvent> TakeBatchLocked();

  std::unique_ptr<TraceExporter> exporter_;
  BatcherOptions options_;
  std::function<double()> random_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  struct Queued {
    v1::TraceEvent event;
    size_t bytes;
    std::chrono::steady_clock::time_point added;
  };
  std::deque<Queued> queue_;
  size_t queued_bytes_ = 0;
  size_t in_flight_ = 0;
  bool flushing_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_by_;
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_exports_{0};
  std::thread thread_;
};

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_
