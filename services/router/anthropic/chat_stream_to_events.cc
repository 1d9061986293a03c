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
    if (choice.contains("delta") && choice["delta"].is_object()) Delta(choice["delta"], out);
    if (std::string reason = Str(choice, "finish_reason"); !reason.empty()) {
      stop_reason_ = StopReasonFor(reason);
    }
  }
}

void ChatStreamToEvents::Start(const Json& chunk, std::string* out) {
  started_ = true;
  Json message = {{"id", StrCat("msg_", Str(chunk, "id"))},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", Str(chunk, "model")},
                  {"content", Json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr},
                  {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}};
  AppendEvent("message_start", {{"type", "message_start"}, {"message", std::move(message)}}, out);
  AppendEvent("ping", {{"type", "ping"}}, out);
}

void ChatStreamToEvents::Delta(const Json& delta, std::string* out) {
  if (std::string thinking = Str(delta, "reasoning_content"); !thinking.empty()) {
    if (open_type_ != "thinking") {
      Open("thinking", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}, out);
    }
    BlockDelta(open_, {{"type", "thinking_delta"}, {"thinking", thinking}}, out);
  }
  if (std::string text = Str(delta, "content"); !text.empty()) {
    if (open_type_ != "text") Open("text", {{"type", "text"}, {"text", ""}}, out);
    BlockDelta(open_, {{"type", "text_delta"}, {"text", text}}, out);
  }
  if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
    for (const auto& call : delta["tool_calls"]) ToolCall(call, out);
  }
}

void ChatStreamToEvents::ToolCall(const Json& call, std::string* out) {
  int64_t index = Int(call, "index");
  const Json& function = At(call, "function");
  auto known = tool_blocks_.find(index);
  if (known == tool_blocks_.end()) {
    Open("tool_use",
         {{"type", "tool_use"},
          {"id", Str(call, "id")},
          {"name", Str(function, "name")},
          {"input", Json::object()}},
         out);
    known = tool_blocks_.emplace(index, open_).first;
  }
  if (std::string piece = Str(function, "arguments"); !piece.empty()) {
    BlockDelta(known->second, {{"type", "input_json_delta"}, {"partial_json", piece}}, out);
  }
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
  Close(out);
  AppendEvent("message_delta",
              {{"type", "message_delta"},
               {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", nullptr}}},
               {"usage", UsageToAnthropic(usage_)}},
              out);
  AppendEvent("message_stop", {{"type", "message_stop"}}, out);
}

}  // namespace llmsrouter::router::anthropic
