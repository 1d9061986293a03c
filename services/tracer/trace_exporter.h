// Where the tracer sends batches: Langfuse over OTLP, the legacy ingestion API, or JSON lines.
#ifndef LLMSROUTER_SERVICES_TRACER_TRACE_EXPORTER_H_
#define LLMSROUTER_SERVICES_TRACER_TRACE_EXPORTER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "llmsrouter/tracer/v1/tracer.pb.h"

namespace llmsrouter::tracer {

class TraceExporter {
 public:
  virtual ~TraceExporter() = default;
  // Blocking; called from the batcher's thread only. OK when accepted. UNAVAILABLE or
  // RESOURCE_EXHAUSTED (with `retry_after` set when the server said) are worth a retry;
  // other errors are not (the batch is dropped and counted).
  virtual absl::Status Export(const std::vector<v1::TraceEvent>& events,
                              absl::Duration* retry_after) = 0;
  virtual std::string name() const = 0;
};

// A blocking HTTP POST, behind an interface so exporters are tested without a network.
class HttpPoster {
 public:
  struct Reply {
    int status = 0;
    std::string body;
    std::string retry_after;
  };
  virtual ~HttpPoster() = default;
  // UNAVAILABLE on network errors, DEADLINE_EXCEEDED on timeout; any HTTP status is a Reply.
  virtual absl::StatusOr<Reply> Post(const std::string& url,
                                     const std::vector<std::string>& headers,
                                     const std::string& body, absl::Duration timeout) = 0;
};

// Maps an export reply to the exporter contract above.
absl::Status StatusFromReply(const HttpPoster::Reply& reply, absl::Duration* retry_after);

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_TRACE_EXPORTER_H_
