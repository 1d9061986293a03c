#include "services/router/anthropic/events_to_chat_stream.h"

#include "common/anthropic_error.h"
#include "common/json_limits.h"
#include "services/router/anthropic/responses.h"

namespace llmsrouter::router::anthropic {
namespace {

void AppendData(const Json& data, std::string* out) {
  StrAppend(out, "data: ", Dump(data), "\n\n");
}

void MergeUsage(const Json& from, Json* into) {
  if (!from.is_object()) return;
  for (const auto& [key, value] : from.items()) {
    if (value.is_number_integer()) (*into)[key] = value;
  }
}

}  // namespace

void EventsToChatStream::Chunk(Json delta, Json finish_reason, std::string* out) const {
  AppendData({{"id", id_},
              {"object", "chat.completion.chunk"},
              {"created", created_},
              {"model", model_},
              {"choices", Json::array({{{"index", 0},
                                        {"delta", std::move(delta)},
                                        {"finish_reason", std::move(finish_reason)}}})}},
             out);
}

void EventsToChatStream::Feed(std::string_view data, std::string* out) {
  if (done_ || data.empty()) return;
  Json event = ParseUntrustedJson<Json>(data);
  std::string type = Str(event, "type");
  if (type == "message_start") {
    const Json& message = At(event, "message");
    id_ = Str(message, "id");
    model_ = Str(message, "model");
    if (message.is_object() && message.contains("usage")) MergeUsage(message["usage"], &usage_);
    Chunk({{"role", "assistant"}, {"content", ""}}, nullptr, out);
  } else if (type == "content_block_start") {
    Block(event, out);
  } else if (type == "content_block_delta") {
    BlockDelta(event, out);
  } else if (type == "message_delta") {
    if (event.contains("delta")) stop_reason_ = Str(event["delta"], "stop_reason");
    if (event.contains("usage")) MergeUsage(event["usage"], &usage_);
  } else if (type == "message_stop") {
    Finish(out);
  } else if (type == "error") {
    AppendData(ParseUntrustedJson<Json>(ToOpenAiErrorBody(data, 500)), out);
    done_ = true;
  }
}

void EventsToChatStream::Block(const Json& event, std::string* out) {
  const Json& block = At(event, "content_block");
  std::string type = Str(block, "type");
  if (type == "tool_use") {
    int index = static_cast<int>(tools_.size());
    tools_[Int(event, "index")] = index;
    Chunk({{"tool_calls",
            Json::array({{{"index", index},
                          {"id", Str(block, "id")},
                          {"type", "function"},
                          {"function", {{"name", Str(block, "name")}, {"arguments", ""}}}}})}},
          nullptr, out);
  } else if (type == "text" && !Str(block, "text").empty()) {
    Chunk({{"content", block["text"]}}, nullptr, out);
  }
}

void EventsToChatStream::BlockDelta(const Json& event, std::string* out) {
  const Json& delta = At(event, "delta");
  std::string type = Str(delta, "type");
  if (type == "text_delta") {
    Chunk({{"content", Str(delta, "text")}}, nullptr, out);
  } else if (type == "thinking_delta") {
    Chunk({{"reasoning_content", Str(delta, "thinking")}}, nullptr, out);
  } else if (type == "input_json_delta") {
    auto tool = tools_.find(Int(event, "index"));
    if (tool == tools_.end() || Str(delta, "partial_json").empty()) return;
    Chunk({{"tool_calls",
            Json::array({{{"index", tool->second},
                          {"function", {{"arguments", Str(delta, "partial_json")}}}}})}},
          nullptr, out);
  }
}

void EventsToChatStream::Finish(std::string* out) {
  if (done_) return;
  done_ = true;
  Chunk(Json::object(), FinishReasonFor(stop_reason_), out);
  if (include_usage_) {
    AppendData({{"id", id_},
                {"object", "chat.completion.chunk"},
                {"created", created_},
                {"model", model_},
                {"choices", Json::array()},
                {"usage", UsageToOpenAi(usage_)}},
               out);
  }
  out->append("data: [DONE]\n\n");
}

}  // namespace llmsrouter::router::anthropic
