// The Anthropic side of preparing a call: Messages ingress, `type: anthropic` providers, the
// request translation both ways, Anthropic's headers, and the local count_tokens estimate.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_ANTHROPIC_CALL_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_ANTHROPIC_CALL_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router::anthropic {

// Sent when the client named no anthropic-version.
inline constexpr char kDefaultAnthropicVersion[] = "2023-06-01";

// True when a call on `endpoint` to `provider` is not a plain OpenAI passthrough.
inline bool InvolvesAnthropic(std::string_view endpoint, const ProviderConfig& provider) {
  return provider.type == ProviderType::kAnthropic || endpoint.starts_with("messages");
}

// The body to send upstream; sets call->endpoint, call->translation, call->include_usage
// (or call->local_answer for a count_tokens estimate). `body` is the parsed request with the
// upstream model already set; `spliced` the client's bytes with the model rewritten (used as is for
// passthrough). INVALID_ARGUMENT naming the field for what cannot be translated, or for an endpoint
// the provider's protocol lacks.
absl::StatusOr<std::string> AdaptCall(const JsonBody& body, std::string spliced,
                                      PreparedCall* call);

// x-api-key, anthropic-version (the client's or the default) and the client's other
// anthropic-* headers.
void AddAnthropicHeaders(const ProviderConfig& provider,
                         const google::protobuf::Map<std::string, std::string>& client_headers,
                         HeaderList* headers);

// The count_tokens estimate for a provider without the endpoint: one token per 4 bytes of
// the strings in system and messages plus the tools as JSON, 1,600 per image; at least 1.
int64_t EstimateInputTokens(const JsonBody& messages_request);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_ANTHROPIC_CALL_H_
