// Shared helpers of the Anthropic <-> OpenAI translation.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_JSON_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_JSON_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::router::anthropic {

using Json = nlohmann::ordered_json;

// INVALID_ARGUMENT naming the field (OpenAI `param`), nothing sent upstream.
inline absl::Status FieldError(std::string_view field, std::string_view message) {
  return WithOpenAiDetails(absl::InvalidArgumentError(StrCat(field, ": ", message)), field,
                           "untranslatable_field");
}

inline std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The string at `key`, or "" when absent or not a string.
inline std::string Str(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The value at `key`, or null when `object` is not an object or lacks the key. Untrusted
// JSON is never read with a const operator[]: a missing key there is undefined behaviour.
inline const Json& At(const Json& object, const char* key) {
  static const Json* const kNull = new Json();
  if (!object.is_object()) return *kNull;
  auto it = object.find(key);
  return it != object.end() ? *it : *kNull;
}

inline int64_t Int(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// The reasoning of a chat message or delta: `reasoning_content` (DeepSeek, vLLM's older
// servers) or `reasoning` (vLLM, OpenRouter).
inline std::string ReasoningOf(const Json& message) {
  std::string text = Str(message, "reasoning_content");
  return text.empty() ? Str(message, "reasoning") : text;
}

// The text of a chat answer's (or delta's) `content`: a string, or — as Mistral and some
// vLLM models send it — an array of parts, whose `text` parts are joined (others, such as
// Mistral's thinking parts, are not answer text).
inline std::string ContentText(const Json& message) {
  const Json& content = At(message, "content");
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& part : content) {
    if (Str(part, "type") == "text") text += Str(part, "text");
  }
  return text;
}

// Stop reasons: Anthropic -> OpenAI finish_reason and back.
inline std::string FinishReasonFor(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return "length";
  }
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn
}

inline std::string StopReasonFor(std::string_view finish_reason) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return "end_turn";
}

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_JSON_H_
