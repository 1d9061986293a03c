// Label values for metrics from closed sets, so that no client input can grow the number of
// series: the OpenAI routes the gateway knows, and provider aliases with ad-hoc URLs folded
// into one name.
#ifndef LLMSROUTER_COMMON_METRIC_LABELS_H_
#define LLMSROUTER_COMMON_METRIC_LABELS_H_

#include <string_view>

namespace llmsrouter {

// The route label of an unknown endpoint.
inline constexpr std::string_view kOtherRoute = "other";
// The provider name of a call to a URL given in ?proxy= (metrics, traces, response heads):
// the URL itself may carry credentials and is unbounded.
inline constexpr std::string_view kAdhocProvider = "adhoc";

// `endpoint` is the path after "/v1/" ("chat/completions"). Known routes map to themselves;
// a known resource with an id or action after it ("files/file-1/content") maps to
// "<resource>/*"; anything else to kOtherRoute. The result points to static storage.
std::string_view RouteLabel(std::string_view endpoint);

// The provider label: "none" when empty, kAdhocProvider for anything that looks like a URL
// (a router that did not name ad-hoc calls "adhoc" itself), else `provider` unchanged (the
// result then points into `provider`).
std::string_view ProviderLabel(std::string_view provider);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_METRIC_LABELS_H_
