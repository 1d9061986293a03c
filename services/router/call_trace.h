// Collects what one call's trace event needs — input, parameters, the assembled output
// (also for streams), usage, timings, outcome — as the call's messages go by.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_TRACE_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_TRACE_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/sse_parser.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "llmsrouter/tracer/v1/tracer.pb.h"

namespace llmsrouter::router {

class CallTrace {
 public:
  // `content`: record input and output (off for privacy: usage and timing only).
  // `body` is the request's body, parsed (see ParseBody); read before any rewrite.
  CallTrace(const v1::CallRequest& request, const nlohmann::ordered_json& body, const Clock& clock,
            bool content);
  // The same, parsing the body itself.
  CallTrace(const v1::CallRequest& request, const Clock& clock, bool content);

  // Every message the call emits, in order. Not thread-safe (the reactor serializes).
  void Observe(const v1::CallResponse& message);
  // The finished event; `status` is the call's final status.
  tracer::v1::TraceEvent Finish(const absl::Status& status);

 private:
  void ObserveEvent(std::string_view data);
  void ObserveToolCallEvent(std::string_view data);
  void ObserveBody();
  nlohmann::json Output() const;

  const Clock& clock_;
  bool content_;
  tracer::v1::TraceEvent event_;
  int http_status_ = 0;
  // The answer is raw bytes (audio, file content): not kept, never quoted in a trace.
  bool binary_ = false;
  bool have_summary_ = false;
  SseParser parser_;
  std::string body_;
  // Streamed output, assembled.
  std::string text_;
  std::string reasoning_;
  std::map<int, nlohmann::json> tool_calls_;
  nlohmann::json message_;  // non-streamed output
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_TRACE_H_
