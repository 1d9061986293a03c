#include "services/router/anthropic/responses.h"

#include "common/json_limits.h"
#include "services/router/anthropic/stop_sequence.h"

namespace llmsrouter::router::anthropic {

Json UsageToAnthropic(const Json& usage) {
  int64_t cached = 0;
  if (usage.contains("prompt_tokens_details")) {
    cached = Int(usage["prompt_tokens_details"], "cached_tokens");
  }
  return {{"input_tokens", std::max<int64_t>(0, Int(usage, "prompt_tokens") - cached)},
          {"output_tokens", Int(usage, "completion_tokens")},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", cached}};
}

Json UsageToOpenAi(const Json& usage) {
  int64_t cache_read = Int(usage, "cache_read_input_tokens");
  int64_t prompt =
      Int(usage, "input_tokens") + cache_read + Int(usage, "cache_creation_input_tokens");
  int64_t completion = Int(usage, "output_tokens");
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cache_read}}}};
}

Json ChatCompletionToMessage(const Json& completion, const MessagesRequestFacts& facts) {
  Json content = Json::array();
  std::string finish;
  std::string stop_reason;
  std::string stop_sequence;
  if (completion.contains("choices") && completion["choices"].is_array() &&
      !completion["choices"].empty()) {
    const Json& choice = completion["choices"][0];
    finish = Str(choice, "finish_reason");
    const Json& message = At(choice, "message");
    if (std::string thinking = ReasoningOf(message); !thinking.empty()) {
      content.push_back({{"type", "thinking"}, {"thinking", thinking}, {"signature", ""}});
    }
    std::string text = ContentText(message);
    if (std::string refusal = Str(message, "refusal"); !refusal.empty()) {
      text += refusal;  // no refusal block in Messages: text, and stop_reason "refusal"
      if (finish == "stop") stop_reason = "refusal";
    }
    if (finish == "stop" && stop_reason.empty()) {
      stop_sequence = MatchedStopSequence(choice, text, facts.stop_sequences);
      if (!stop_sequence.empty()) stop_reason = "stop_sequence";
    }
    if (!text.empty()) content.push_back({{"type", "text"}, {"text", std::move(text)}});
    if (message.contains("tool_calls") && message["tool_calls"].is_array()) {
      for (const auto& call : message["tool_calls"]) {
        const Json& function = At(call, "function");
        std::string arguments = Str(function, "arguments");
        Json input = arguments.empty() ? Json::object() : ParseUntrustedJson<Json>(arguments);
        if (!input.is_object()) {
          // Cut short (or not JSON): Claude must not run the tool with an empty input.
          finish = "length";
          stop_reason.clear();
          stop_sequence.clear();
          continue;
        }
        content.push_back({{"type", "tool_use"},
                           {"id", Str(call, "id")},
                           {"name", Str(function, "name")},
                           {"input", std::move(input)}});
      }
    }
  }
  const Json& upstream_usage = At(completion, "usage");
  Json usage = UsageToAnthropic(upstream_usage.is_object() ? upstream_usage : Json::object());
  if (!upstream_usage.is_object()) usage["input_tokens"] = facts.input_tokens_estimate;
  return {{"id", StrCat("msg_", Str(completion, "id"))},
          {"type", "message"},
          {"role", "assistant"},
          {"model", Str(completion, "model")},
          {"content", std::move(content)},
          {"stop_reason", stop_reason.empty() ? StopReasonFor(finish) : stop_reason},
          {"stop_sequence", stop_sequence.empty() ? Json() : Json(stop_sequence)},
          {"usage", std::move(usage)}};
}

Json MessageToChatCompletion(const Json& message, int64_t created) {
  std::string text;
  std::string thinking;
  Json tool_calls = Json::array();
  if (message.contains("content") && message["content"].is_array()) {
    for (const auto& block : message["content"]) {
      std::string type = Str(block, "type");
      if (type == "text") text += Str(block, "text");
      if (type == "thinking") thinking += Str(block, "thinking");
      if (type == "tool_use") {
        tool_calls.push_back(
            {{"id", Str(block, "id")},
             {"type", "function"},
             {"function",
              {{"name", Str(block, "name")},
               {"arguments", Dump(block.contains("input") ? block["input"] : Json::object())}}}});
      }
    }
  }
  Json out_message = {{"role", "assistant"}, {"content", text.empty() ? Json() : Json(text)}};
  if (!thinking.empty()) out_message["reasoning_content"] = thinking;
  if (!tool_calls.empty()) out_message["tool_calls"] = std::move(tool_calls);
  return {
      {"id", Str(message, "id")},
      {"object", "chat.completion"},
      {"created", created},
      {"model", Str(message, "model")},
      {"choices", Json::array({{{"index", 0},
                                {"message", std::move(out_message)},
                                {"finish_reason", FinishReasonFor(Str(message, "stop_reason"))}}})},
      {"usage", UsageToOpenAi(message.contains("usage") ? message["usage"] : Json::object())}};
}

}  // namespace llmsrouter::router::anthropic
