// Which protocol translation a prepared call needs (the client's protocol -> the provider's).
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_

namespace llmsrouter::router {

enum class Translation {
  kNone,            // same protocol: bytes pass through
  kMessagesToChat,  // client speaks Messages, the provider chat/completions
  kChatToMessages,  // client speaks chat/completions, the provider Messages
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATION_H_
