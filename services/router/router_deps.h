// What the router's RPC handlers need, injected by main.
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_

#include <functional>
#include <vector>

#include "common/buffer_budget.h"
#include "common/clock.h"
#include "common/scheduler.h"
#include "common/trace_sink.h"
#include "services/router/config_store.h"
#include "services/router/host_resolver.h"
#include "services/router/http_client.h"
#include "services/router/limits_client.h"
#include "services/router/provider_limiter.h"

namespace llmsrouter {
class LoopPool;
}  // namespace llmsrouter

namespace llmsrouter::router {

class GroupBalancer;

// The event loops calls run on, and the HTTP client of each (same index). Not owned.
struct LoopDeps {
  LoopPool* pool = nullptr;
  std::vector<HttpClient*> http;
};

// Not owned; all must outlive the server.
struct RouterDeps {
  ConfigStore* config = nullptr;
  HttpClient* http = nullptr;
  const Clock* clock = &SystemClock::Get();
  Scheduler* scheduler = nullptr;
  ProviderLimiter* limiter = nullptr;
  // Uniform in [0, 1), for retry jitter.
  std::function<double()> random;
  // Where finished calls are traced; null: no tracing.
  TraceSink* traces = nullptr;
  // Record prompts and answers in traces (off: usage and timing only).
  bool trace_content = true;
  // Looks up the DNS names of ad-hoc ?proxy= URLs.
  HostResolver* resolver = &GetaddrinfoResolver::Get();
  // What all calls together hold from upstreams (cap: config limits.buffered_bytes).
  BufferBudget* budget = &BufferBudget::Global();
  // When set, each call runs on one loop of the pool: its transfer and backoffs happen on
  // that loop's thread (see ForCurrentLoop). A provider slot freed on another loop starts
  // the waiting call on the releasing thread; its transfer is then posted to its own loop.
  const LoopDeps* loops = nullptr;
  // Live state of the model groups (services/router/group_balancer.h); null: groups are not
  // routed (plain names stay unknown).
  GroupBalancer* groups = nullptr;
  // Limits and spend (docs/LIMITS.md); client null: calls are not metered.
  MeterOptions meter;
  // Most bytes of a streamed upload held to find its `model` field (--upload-prefix-bytes).
  size_t upload_prefix_bytes = 32 << 20;
  // What all streamed uploads together hold to find `model`, and its cap
  // (--upload-prefix-budget; 0: no upload is held). Null: not counted (no cap).
  BufferBudget* upload_budget = nullptr;
  size_t upload_prefix_budget = 256 << 20;
};

// `deps` for a call owned by the calling thread's loop: that loop's HTTP client, and the
// loop itself as the scheduler. Unchanged when the thread is not one of `deps.loops`.
RouterDeps ForCurrentLoop(const RouterDeps& deps);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_
