// Router metrics recorded once per finished upstream call.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_METRICS_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_METRICS_H_

#include <string>

#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router {

// Upstream requests by provider and status, time to first token, upstream duration, retries
// and errors. Thread-safe.
void RecordUpstreamMetrics(const std::string& provider, const v1::CallSummary& summary);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_METRICS_H_
