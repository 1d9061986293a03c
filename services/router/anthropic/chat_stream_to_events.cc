#include "services/router/anthropic/chat_stream_to_events.h"

#include "common/anthropic_error.h"
#include "common/json_limits.h"
#include "services/router/anthropic/responses.h"

namespace llmsrouter::router::anthropic {

void AppendEvent(std::string_view type, const Json& data, std::string* out) {
  StrAppend(out, "event: ", type, "\ndata: ", Dump(data), "\n\n");
}

void ChatStreamToEvents::Feed(std::string_view data, std::string* out) {
  if (finished_ || data.empty()) return;
  if (data == "[DONE]") {
    Finish(out);
    return;
  }
  Json chunk = ParseUntrustedJson<Json>(data);
  if (!chunk.is_object()) return;
  if (chunk.contains("error") && chunk["error"].is_object()) {
    Json error = ParseUntrustedJson<Json>(ToAnthropicErrorBody(data, 500));
    AppendEvent("error", error, out);
    finished_ = true;
    return;
  }
  if (!started_) Start(chunk, out);
  if (chunk.contains("usage") && chunk["usage"].is_object()) usage_ = chunk["usage"];
  if (!chunk.contains("choices") || !chunk["choices"].is_array()) return;
  for (const auto& choice : chunk["choices"]) {
    if (Int(choice, "index") != 0) continue;
    if (At(choice, "delta").is_object()) Delta(At(choice, "delta"), out);
    if (std::string reason = Str(choice, "finish_reason"); !reason.empty()) {
      Finished(choice, reason);
    }
  }
}

void ChatStreamToEvents::Finished(const Json& choice, std::string_view reason) {
  stop_reason_ = StopReasonFor(reason);
  stop_sequence_.clear();
  if (reason != "stop") return;
  if (refused_) {
    stop_reason_ = "refusal";
    return;
  }
  stop_sequence_ = MatchedStopSequence(choice, tail_.text(), facts_.stop_sequences);
  if (!stop_sequence_.empty()) stop_reason_ = "stop_sequence";
}

void ChatStreamToEvents::Start(const Json& chunk, std::string* out) {
  started_ = true;
  message_id_ = Str(chunk, "id");
  Json message = {{"id", StrCat("msg_", Str(chunk, "id"))},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", Str(chunk, "model")},
                  {"content", Json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr},
                  {"usage",
                   {{"input_tokens", facts_.input_tokens_estimate},
                    {"cache_creation_input_tokens", 0},
                    {"cache_read_input_tokens", 0},
                    {"output_tokens", 0}}}};
  AppendEvent("message_start", {{"type", "message_start"}, {"message", std::move(message)}}, out);
  AppendEvent("ping", {{"type", "ping"}}, out);
}

void ChatStreamToEvents::Delta(const Json& delta, std::string* out) {
  std::string thinking = ReasoningOf(delta);
  std::string text = ContentText(delta);
  if (std::string refusal = Str(delta, "refusal"); !refusal.empty()) {
    refused_ = true;  // OpenAI's refusal has no block of its own in Messages: text
    text += refusal;
  }
  tail_.Append(text);
  if (streaming_tool_ >= 0) {  // a tool_use block is open: hold until the end
    held_thinking_ += thinking;
    held_text_ += text;
    thinking.clear();
    text.clear();
  }
  if (!thinking.empty()) {
    if (open_type_ != "thinking") {
      Open("thinking", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
    }
    BlockDelta(open_, {{"type", "thinking_delta"}, {"thinking", thinking}}, out);
  }
  if (!text.empty()) {
    if (open_type_ != "text") Open("text", {{"type", "text"}, {"text", ""}}, out);
    BlockDelta(open_, {{"type", "text_delta"}, {"text", text}}, out);
  }
  const Json& calls = At(delta, "tool_calls");
  if (calls.is_array()) {
    for (const auto& call : calls) ToolCall(call, out);
  }
}

ChatStreamToEvents::Tool* ChatStreamToEvents::FindOrAddTool(const Json& call, std::string* out) {
  std::string id = Str(call, "id");
  bool has_index = At(call, "index").is_number_integer();
  int64_t index = Int(call, "index");
  for (auto it = tools_.rbegin(); it != tools_.rend(); ++it) {
    if (!id.empty() && it->id == id) return &*it;
    if (id.empty() && (!has_index || it->index == index)) return &*it;
    if (has_index && it->index == index) break;  // the same index with a new id: a new call
  }
  if (id.empty()) {
    id = StrCat("toolu_", message_id_.empty() ? "x" : message_id_, "_", tools_.size());
  }
  tools_.push_back({.index = index, .id = id, .name = Str(At(call, "function"), "name")});
  if (streaming_tool_ < 0) {
    streaming_tool_ = static_cast<int>(tools_.size()) - 1;
    Open(
        "tool_use",
        {{"type", "tool_use"}, {"id", id}, {"name", tools_.back().name}, {"input", Json::object()}},
        out);
  }
  return &tools_.back();
}

void ChatStreamToEvents::ToolCall(const Json& call, std::string* out) {
  if (!call.is_object()) return;
  Tool* tool = FindOrAddTool(call, out);
  std::string piece = Str(At(call, "function"), "arguments");
  if (piece.empty()) return;
  if (tool == &tools_[streaming_tool_]) {
    BlockDelta(open_, {{"type", "input_json_delta"}, {"partial_json", piece}}, out);
  } else {
    tool->held_arguments += piece;
  }
}

// Closes the open block, then sends what was held as whole blocks.
void ChatStreamToEvents::FlushHeld(std::string* out) {
  Close(out);
  for (size_t i = 0; i < tools_.size(); ++i) {
    if (static_cast<int>(i) == streaming_tool_) continue;
    const Tool& tool = tools_[i];
    Open("tool_use",
         {{"type", "tool_use"}, {"id", tool.id}, {"name", tool.name}, {"input", Json::object()}},
         out);
    if (!tool.held_arguments.empty()) {
      BlockDelta(open_, {{"type", "input_json_delta"}, {"partial_json", tool.held_arguments}}, out);
    }
  }
  if (!held_thinking_.empty()) {
    Open("thinking", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
    BlockDelta(open_, {{"type", "thinking_delta"}, {"thinking", held_thinking_}}, out);
  }
  if (!held_text_.empty()) {
    Open("text", {{"type", "text"}, {"text", ""}}, out);
    BlockDelta(open_, {{"type", "text_delta"}, {"text", held_text_}}, out);
  }
  Close(out);
}

void ChatStreamToEvents::Open(const std::string& type, Json block, std::string* out) {
  Close(out);
  open_ = next_index_++;
  open_type_ = type;
  AppendEvent("content_block_start",
              {{"type", "content_block_start"}, {"index", open_}, {"content_block", block}}, out);
}

void ChatStreamToEvents::Close(std::string* out) {
  if (open_ < 0) return;
  AppendEvent("content_block_stop", {{"type", "content_block_stop"}, {"index", open_}}, out);
  open_ = -1;
  open_type_.clear();
}

void ChatStreamToEvents::BlockDelta(int index, Json delta, std::string* out) {
  AppendEvent("content_block_delta",
              {{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(delta)}},
              out);
}

void ChatStreamToEvents::Finish(std::string* out) {
  if (finished_) return;
  finished_ = true;
  if (!started_) Start(Json::object(), out);
  FlushHeld(out);
  Json stop_sequence = stop_sequence_.empty() ? Json() : Json(stop_sequence_);
  // Without the upstream's usage, input_tokens is left out: the SDKs keep message_start's.
  Json usage = usage_.is_object() ? UsageToAnthropic(usage_) : Json{{"output_tokens", 0}};
  AppendEvent("message_delta",
              {{"type", "message_delta"},
               {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", stop_sequence}}},
               {"usage", std::move(usage)}},
              out);
  AppendEvent("message_stop", {{"type", "message_stop"}}, out);
}

}  // namespace llmsrouter::router::anthropic
