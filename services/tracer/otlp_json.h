// TraceEvents as an OTLP/HTTP JSON ExportTraceServiceRequest with the attributes Langfuse
// maps (langfuse.* and gen_ai.*).
#ifndef LLMSROUTER_SERVICES_TRACER_OTLP_JSON_H_
#define LLMSROUTER_SERVICES_TRACER_OTLP_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "llmsrouter/tracer/v1/tracer.pb.h"

namespace llmsrouter::tracer {

struct OtlpOptions {
  std::string service_name = "llmsrouter";
  std::string environment;  // langfuse.environment, when set
};

std::string BuildOtlpJson(const std::vector<v1::TraceEvent>& events, const OtlpOptions& options);

// 32 lower-case hex characters: the hex id inside a request id when there is one
// ("req_<32 hex>"), else a stable hash of `id`.
std::string TraceIdFor(std::string_view id);
// 16 lower-case hex characters, a stable hash of `request_id`.
std::string SpanIdFor(std::string_view request_id);
// RFC 3339 with microseconds, UTC.
std::string IsoTime(int64_t unix_us);

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_OTLP_JSON_H_
