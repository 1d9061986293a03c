#include "services/router/call_metrics.h"

#include <charconv>

#include "common/metric_labels.h"
#include "common/metrics.h"

namespace llmsrouter::router {

void RecordUpstreamMetrics(const std::string& provider, const v1::CallSummary& summary) {
  static auto& requests = *new MetricFamily<Counter>("llmsrouter_upstream_requests_total",
                                                     "Upstream calls by provider and HTTP status.",
                                                     {"provider", "status"});
  static auto& retries =
      *new MetricFamily<Counter>("llmsrouter_upstream_retries_total",
                                 "Extra upstream attempts (retries and fallbacks).", {"provider"});
  static auto& errors = *new MetricFamily<Counter>(
      "llmsrouter_upstream_errors_total",
      "Upstream calls that failed (HTTP error or broken transfer).", {"provider"});
  static auto& first_token =
      *new MetricFamily<Histogram>("llmsrouter_time_to_first_token_seconds",
                                   "From the upstream request to its first token.", {"provider"});
  static auto& durations = *new MetricFamily<Histogram>("llmsrouter_upstream_duration_seconds",
                                                        "Whole upstream calls.", {"provider"});
  std::string_view p = ProviderLabel(provider);
  char status[16];
  auto [end, ec] = std::to_chars(status, status + sizeof(status), summary.upstream_status());
  requests.With({p, std::string_view(status, end - status)}).Inc();
  if (summary.attempts() > 1) retries.With({p}).Inc(summary.attempts() - 1);
  if (!summary.error().empty() || summary.upstream_status() >= 400) errors.With({p}).Inc();
  const auto& t = summary.timings();
  if (t.first_token_unix_us() > 0 && t.start_unix_us() > 0) {
    first_token.With({p}).Observe((t.first_token_unix_us() - t.start_unix_us()) / 1e6);
  }
  if (t.end_unix_us() > 0 && t.start_unix_us() > 0) {
    durations.With({p}).Observe((t.end_unix_us() - t.start_unix_us()) / 1e6);
  }
}

}  // namespace llmsrouter::router
