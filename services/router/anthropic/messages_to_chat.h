// Request translation: an Anthropic Messages body -> an OpenAI chat/completions body.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_MESSAGES_TO_CHAT_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_MESSAGES_TO_CHAT_H_

#include "absl/status/statusor.h"
#include "services/router/anthropic/json.h"

namespace llmsrouter::router::anthropic {

// `messages` must be a parsed JSON object. The model is copied as is. Streams ask for usage
// (stream_options.include_usage) only when `stream_usage` (the provider's setting: some
// servers reject stream_options). INVALID_ARGUMENT naming the field for anything the chat API
// cannot express (unknown block types, server tools, documents, a tool_result without a
// matching tool_use, unknown top-level fields). cache_control is dropped (chat has no
// equivalent), as are thinking blocks of earlier turns.
// Starts the content of a tool message translated from a tool_result with is_error: true.
inline constexpr char kToolErrorMarker[] = "[tool error] ";

absl::StatusOr<Json> MessagesToChat(const Json& messages, bool stream_usage);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_MESSAGES_TO_CHAT_H_
