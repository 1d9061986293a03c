// Streaming translation: Anthropic Messages events -> OpenAI chat.completion.chunk events.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_EVENTS_TO_CHAT_STREAM_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_EVENTS_TO_CHAT_STREAM_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "services/router/anthropic/json.h"

namespace llmsrouter::router::anthropic {

// message_start -> a role chunk; text_delta -> content, thinking_delta -> reasoning_content;
// tool_use blocks -> tool_calls (index counted per tool, id and name first, then the
// input_json_delta pieces as function.arguments); message_stop -> a finish_reason chunk,
// the usage chunk when `include_usage`, and "data: [DONE]". An `error` event becomes an
// OpenAI error event. Not thread-safe; one per stream.
class EventsToChatStream {
 public:
  EventsToChatStream(bool include_usage, int64_t created)
      : include_usage_(include_usage), created_(created) {}

  // The joined `data:` of one upstream SSE event; appends OpenAI SSE events to `out`.
  void Feed(std::string_view data, std::string* out);
  // The upstream stream ended: ends the chat stream if message_stop never came (once).
  void Finish(std::string* out);

 private:
  void Block(const Json& event, std::string* out);
  void BlockDelta(const Json& event, std::string* out);
  void Chunk(Json delta, Json finish_reason, std::string* out) const;

  bool include_usage_;
  int64_t created_;
  bool done_ = false;
  std::string id_;
  std::string model_;
  Json usage_ = Json::object();  // Anthropic usage, merged from message_start and _delta
  std::string stop_reason_;
  std::map<int64_t, int> tools_;  // content block index -> tool_calls index
};

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_EVENTS_TO_CHAT_STREAM_H_
