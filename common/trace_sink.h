// Where components hand finished trace events. Never blocks the request path. The real one is
// the tracer service's client (common/tracer_client.h).
#ifndef LLMSROUTER_COMMON_TRACE_SINK_H_
#define LLMSROUTER_COMMON_TRACE_SINK_H_

#include "llmsrouter/tracer/v1/tracer.pb.h"

namespace llmsrouter {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // Thread-safe and non-blocking: queues the event (dropping the oldest when full).
  virtual void Record(tracer::v1::TraceEvent event) = 0;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TRACE_SINK_H_
