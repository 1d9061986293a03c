#include "services/router/call_metrics.h"

#include "common/metrics.h"

namespace llmsrouter::router {

void RecordUpstreamMetrics(const std::string& provider, const v1::CallSummary& summary) {
  auto& registry = MetricsRegistry::Global();
  std::string p = provider.empty() ? "none" : provider;
  registry
      .GetCounter("llmsrouter_upstream_requests_total",
                  "Upstream calls by provider and HTTP status.",
                  {{"provider", p}, {"status", std::to_string(summary.upstream_status())}})
      .Inc();
  if (summary.attempts() > 1) {
    registry
        .GetCounter("llmsrouter_upstream_retries_total",
                    "Extra upstream attempts (retries and fallbacks).", {{"provider", p}})
        .Inc(summary.attempts() - 1);
  }
  if (!summary.error().empty() || summary.upstream_status() >= 400) {
    registry
        .GetCounter("llmsrouter_upstream_errors_total",
                    "Upstream calls that failed (HTTP error or broken transfer).",
                    {{"provider", p}})
        .Inc();
  }
  const auto& t = summary.timings();
  if (t.first_token_unix_us() > 0 && t.start_unix_us() > 0) {
    registry
        .GetHistogram("llmsrouter_time_to_first_token_seconds",
                      "From the upstream request to its first token.", {{"provider", p}})
        .Observe((t.first_token_unix_us() - t.start_unix_us()) / 1e6);
  }
  if (t.end_unix_us() > 0 && t.start_unix_us() > 0) {
    registry
        .GetHistogram("llmsrouter_upstream_duration_seconds", "Whole upstream calls.",
                      {{"provider", p}})
        .Observe((t.end_unix_us() - t.start_unix_us()) / 1e6);
  }
}

}  // namespace llmsrouter::router
