// Which protocol translation a prepared call needs (the client's protocol -> the provider's).
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_

#include <cstdint>
#include <string>
#include <vector>

namespace llmsrouter::router {

enum class Translation {
  kNone,            // same protocol: bytes pass through
  kMessagesToChat,  // client speaks Messages, the provider chat/completions
  kChatToMessages,  // client speaks chat/completions, the provider Messages
};

// What translating a chat answer back into Messages needs to know of the Messages request
// (kMessagesToChat only; empty otherwise, so other calls carry nothing).
struct MessagesRequestFacts {
  // message_start's input_tokens: the upstream's usage arrives only at the end of a stream
  // (then sent, exact, in message_delta). See EstimateInputTokens.
  int64_t input_tokens_estimate = 0;
  // The request's stop_sequences, to tell which one ended the answer (stop_sequence.h).
  std::vector<std::string> stop_sequences;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_
