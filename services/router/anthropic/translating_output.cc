#include "services/router/anthropic/translating_output.h"

#include "common/anthropic_error.h"
#include "common/json_limits.h"
#include "services/router/anthropic/responses.h"

namespace llmsrouter::router::anthropic {

TranslatingOutput::TranslatingOutput(CallOutput* inner, Translation translation, bool include_usage,
                                     int64_t created, MessagesRequestFacts facts)
    : inner_(inner), translation_(translation), created_(created) {
  if (translation == Translation::kMessagesToChat) {
    facts_ = facts;
    to_events_.emplace(std::move(facts));
  } else {
    to_chunks_.emplace(include_usage, created);
  }
}

void TranslatingOutput::TranslateEvents(std::string_view bytes, std::string* out) {
  parser_.Feed(bytes, [&](std::string_view, std::string_view data) {
    if (to_events_) {
      to_events_->Feed(data, out);
    } else {
      to_chunks_->Feed(data, out);
    }
  });
}

std::string TranslatingOutput::TranslateBody(const std::string& body, int* status) const {
  bool messages_client = translation_ == Translation::kMessagesToChat;
  Json doc;
  if (*status >= 200 && *status < 300) {
    doc = ParseUntrustedJson<Json>(body);
    // Some servers answer 200 with an error body: an error, not an empty answer.
    bool error = messages_client ? At(doc, "error").is_object() && !doc.contains("choices")
                                 : Str(doc, "type") == "error";
    if (error) *status = 502;
  }
  if (*status < 200 || *status >= 300) {
    return messages_client ? ToAnthropicErrorBody(body, *status) : ToOpenAiErrorBody(body, *status);
  }
  if (!doc.is_object()) return body;
  return Dump(messages_client ? ChatCompletionToMessage(doc, facts_)
                              : MessageToChatCompletion(doc, created_));
}

void TranslatingOutput::EmitHeldHead(int status) {
  if (!held_head_) return;
  held_head_->mutable_head()->set_status(status);
  v1::CallResponse head = *std::move(held_head_);
  held_head_.reset();
  inner_->Emit(std::move(head));
}

void TranslatingOutput::Emit(v1::CallResponse message) {
  switch (message.kind_case()) {
    case v1::CallResponse::kHead:
      status_ = message.head().status();
      stream_ = message.head().stream();
      if (!stream_) {
        message.mutable_head()->set_content_type("application/json");
        held_head_ = std::move(message);  // its status may change with the body
        return;
      }
      break;
    case v1::CallResponse::kData: {
      std::string out;
      if (stream_) {
        TranslateEvents(message.data(), &out);
        if (out.empty()) return;
      } else {
        int status = status_;
        out = TranslateBody(message.data(), &status);
        EmitHeldHead(status);
      }
      message.set_data(std::move(out));
      break;
    }
    case v1::CallResponse::kSummary:
      EmitHeldHead(status_);
      if (stream_ && message.summary().error().empty()) {
        std::string out;
        if (to_events_) to_events_->Finish(&out);
        if (to_chunks_) to_chunks_->Finish(&out);
        if (!out.empty()) {
          v1::CallResponse tail;
          tail.set_data(std::move(out));
          inner_->Emit(std::move(tail));
        }
      }
      break;
    default:
      break;
  }
  inner_->Emit(std::move(message));
}

}  // namespace llmsrouter::router::anthropic
