// Streaming translation: OpenAI chat.completion.chunk events -> Anthropic Messages events.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_STREAM_TO_EVENTS_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_STREAM_TO_EVENTS_H_

#include <string>
#include <string_view>
#include <vector>

#include "services/router/anthropic/json.h"
#include "services/router/anthropic/stop_sequence.h"
#include "services/router/anthropic/translation.h"

namespace llmsrouter::router::anthropic {

// The sequence the Anthropic SDKs expect: message_start, ping, then per block
// content_block_start / *_delta / content_block_stop (reasoning_content -> thinking, content
// -> text, each tool call -> tool_use with input_json_delta pieces), then message_delta
// (stop_reason, usage) and message_stop once the upstream sent [DONE] or ended.
// Anthropic blocks cannot interleave, chat tool call pieces can: the first tool call streams
// as it comes; what arrives while it is open (further tool calls, text, thinking) is held and
// sent as whole blocks at the end. A tool call is keyed by (index, id): a new id at a known
// index is a new call; a call without index uses its id, or else the latest call; a call
// without id gets a made-up toolu_ id.
// Usage: message_start carries `facts.input_tokens_estimate` as input_tokens (the upstream's
// usage comes last); message_delta carries the upstream's usage, exact, when it sent one (the
// SDKs overwrite the message's input_tokens with it), else only output_tokens. A refusal
// (`delta.refusal`) streams as text and ends with stop_reason "refusal"; a "stop" finish
// names the stop sequence when MatchedStopSequence can tell it.
// Not thread-safe; one per stream.
class ChatStreamToEvents {
 public:
  explicit ChatStreamToEvents(MessagesRequestFacts facts = {})
      : facts_(std::move(facts)), tail_(facts_.stop_sequences) {}

  // The joined `data:` of one upstream SSE event; appends complete SSE events to `out`.
  void Feed(std::string_view data, std::string* out);
  // The upstream stream ended: closes what is open (once; no-op after [DONE]).
  void Finish(std::string* out);

 private:
  void Start(const Json& chunk, std::string* out);
  void Delta(const Json& delta, std::string* out);
  void Finished(const Json& choice, std::string_view reason);
  struct Tool {
    int64_t index = 0;
    std::string id;
    std::string name;
    std::string held_arguments;  // pieces not streamed yet
  };
  void ToolCall(const Json& call, std::string* out);
  Tool* FindOrAddTool(const Json& call, std::string* out);
  void FlushHeld(std::string* out);
  void Open(const std::string& type, Json block, std::string* out);
  void Close(std::string* out);
  void BlockDelta(int index, Json delta, std::string* out);

  MessagesRequestFacts facts_;
  TextTail tail_;
  bool started_ = false;
  bool refused_ = false;
  bool finished_ = false;
  int open_ = -1;  // index of the open content block
  std::string open_type_;
  int next_index_ = 0;
  std::string message_id_;
  std::vector<Tool> tools_;
  int streaming_tool_ = -1;  // index in tools_ of the open tool_use block
  std::string held_thinking_;
  std::string held_text_;
  std::string stop_reason_ = "end_turn";
  std::string stop_sequence_;
  Json usage_;  // null until the upstream sends its usage
};

// "event: <type>\ndata: <json>\n\n"
void AppendEvent(std::string_view type, const Json& data, std::string* out);

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_CHAT_STREAM_TO_EVENTS_H_
