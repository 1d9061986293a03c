// The tracer's side of the trace path: events from the router, fitted to the size cap (and
// stripped of content in privacy mode), batched by count, bytes and age and exported on a
// BatchSender's thread (common/batch_sender.h), retrying transient failures with backoff.
// Bounded: when full, the oldest events are dropped and counted.
#ifndef LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_
#define LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_

#include <functional>
#include <memory>
#include <vector>

#include "common/batch_sender.h"
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

  uint64_t exported() const { return sender_.sent(); }
  uint64_t dropped() const { return sender_.dropped(); }
  uint64_t failed_exports() const { return sender_.failed_sends(); }
  size_t queued() { return sender_.queued(); }

 private:
  std::unique_ptr<TraceExporter> exporter_;
  BatcherOptions options_;
  BatchSender<v1::TraceEvent> sender_;
};

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACE_BATCHER_H_
