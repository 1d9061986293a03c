// Reading usage and the stop reason from an Anthropic answer into the call's summary.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_USAGE_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_USAGE_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router::anthropic {

// `doc` is a whole message, or one stream event (message_start, message_delta). Fields
// present overwrite the summary's: prompt_tokens = input + cache read + cache creation,
// completion_tokens = output, cached tokens as prompt_tokens_details; finish_reason in
// OpenAI's words (tool_use -> tool_calls, ...).
void ReadAnthropicSummary(const nlohmann::json& doc, v1::CallSummary* summary);

// True when an event's text may carry usage or a stop reason (the others are not parsed).
bool MayCarryAnthropicSummary(std::string_view data);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_USAGE_H_
