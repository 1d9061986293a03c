// Response translation of whole (non-streamed) answers, both directions.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_RESPONSES_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_RESPONSES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "services/router/anthropic/json.h"
#include "services/router/anthropic/translation.h"

namespace llmsrouter::router::anthropic {

// Usage, both ways. Anthropic's input_tokens exclude cached tokens; OpenAI's prompt_tokens
// include them (cache reads appear as prompt_tokens_details.cached_tokens; cache creation
// has no OpenAI field and counts as prompt tokens).
Json UsageToAnthropic(const Json& openai_usage);
Json UsageToOpenAi(const Json& anthropic_usage);

// A chat.completion -> an Anthropic message (choice 0: reasoning_content as a thinking
// block, text, tool calls as tool_use blocks with their ids). A tool call whose arguments are
// not a JSON object (cut short) is left out and the stop_reason is max_tokens. A `refusal`
// becomes text with stop_reason "refusal"; a "stop" finish names the stop sequence of
// `facts.stop_sequences` when MatchedStopSequence can tell it. Without the provider's usage,
// input_tokens is `facts.input_tokens_estimate`.
Json ChatCompletionToMessage(const Json& completion, const MessagesRequestFacts& facts = {});
// An Anthropic message -> a chat.completion created at `created` (Unix seconds).
Json MessageToChatCompletion(const Json& message, int64_t created);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_RESPONSES_H_
