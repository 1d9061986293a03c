// Request translation: an OpenAI chat/completions body -> an Anthropic Messages body.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_TO_MESSAGES_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_TO_MESSAGES_H_

#include "absl/status/statusor.h"
#include "services/router/anthropic/json.h"

namespace llmsrouter::router::anthropic {

// Used when the client sets no max_tokens (the Messages API requires one).
inline constexpr int64_t kDefaultMaxTokens = 4096;

// `chat` must be a parsed JSON object; the model is copied as is. System and developer
// messages become `system` (wherever they stood), consecutive tool messages one user turn of
// tool_result blocks. INVALID_ARGUMENT naming the field for anything the Messages API cannot
// express (n > 1, logprobs, audio, response_format other than text, a tool message without a
// matching tool call, unparseable tool arguments, unknown fields).
absl::StatusOr<Json> ChatToMessages(const Json& chat);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_TO_MESSAGES_H_
