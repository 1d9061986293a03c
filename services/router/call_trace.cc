#include "services/router/call_trace.h"

#include <simdjson.h>

#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::router {
namespace {

// Body keys that are the input or routing, not model parameters.
bool IsParameter(const std::string& key, const nlohmann::ordered_json& value) {
  // "system": Anthropic's system prompt (a string or blocks) is input, never a parameter.
  static const char* kNot[] = {"model",  "messages",       "prompt", "input",
                               "stream", "stream_options", "user",   "metadata",
                               "tools",  "functions",      "system"};
  for (const char* k : kNot) {
    if (key == k) return false;
  }
  return !value.is_object();
}

template <typename Json>
std::string StringAt(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->template get<std::string>() : "";
}

// A streamed Anthropic Messages event (endpoint "messages"): text, thinking and tool_use
// blocks, merged as the chat deltas are.
void ObserveAnthropicEvent(std::string_view data, std::string* text, std::string* reasoning,
                           std::map<int, nlohmann::json>* tool_calls) {
  if (!Contains(data, "content_block_")) return;
  auto event = ParseUntrustedJson(data);
  if (!event.is_object()) return;
  int index = static_cast<int>(JsonInt(event, "index"));
  if (auto block = event.find("content_block"); block != event.end() && block->is_object()) {
    if (StringAt(*block, "type") == "tool_use") {
      (*tool_calls)[index] = {
          {"id", StringAt(*block, "id")},
          {"type", "function"},
          {"function", {{"name", StringAt(*block, "name")}, {"arguments", ""}}}};
    }
    return;
  }
  auto delta = event.find("delta");
  if (delta == event.end() || !delta->is_object()) return;
  *text += StringAt(*delta, "text");
  *reasoning += StringAt(*delta, "thinking");
  if (auto call = tool_calls->find(index); call != tool_calls->end()) {
    auto& arguments = call->second["function"]["arguments"];
    arguments = arguments.get<std::string>() + StringAt(*delta, "partial_json");
  }
}

}  // namespace

CallTrace::CallTrace(const v1::CallRequest& request, const Clock& clock, bool content)
    : CallTrace(request, ParseUntrustedJson<nlohmann::ordered_json>(request.body()), clock,
                content) {}

CallTrace::CallTrace(const v1::CallRequest& request, const nlohmann::ordered_json& body,
                     const Clock& clock, bool content)
    : clock_(clock), content_(content) {
  event_.set_source("router");
  event_.set_request_id(request.request_id());
  event_.set_trace_id(request.trace_id().empty() ? request.request_id() : request.trace_id());
  event_.set_user(request.user());
  event_.set_endpoint(request.endpoint());
  event_.set_session_id(request.session_id());
  for (const auto& tag : request.tags()) event_.add_tags(tag);
  event_.mutable_timings()->set_start_unix_us(absl::ToUnixMicros(clock.Now()));
  if (!body.is_object()) return;
  event_.set_requested_model(request.model_override().empty() ? StringAt(body, "model")
                                                              : request.model_override());
  event_.set_stream(JsonBool(body, "stream"));
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (IsParameter(it.key(), it.value())) params[it.key()] = it.value();
  }
  event_.set_model_parameters_json(params.dump());
  if (auto meta = body.find("metadata"); meta != body.end() && meta->is_object()) {
    event_.set_metadata_json(meta->dump());
    for (const char* key : {"session_id", "langfuse_session_id"}) {
      if (event_.session_id().empty()) event_.set_session_id(StringAt(*meta, key));
    }
    for (const char* key : {"tags", "langfuse_tags"}) {
      if (auto tags = meta->find(key); tags != meta->end() && tags->is_array()) {
        for (const auto& t : *tags) {
          if (t.is_string()) event_.add_tags(t.get<std::string>());
        }
      }
    }
  }
  if (event_.user().empty()) event_.set_user(StringAt(body, "user"));
  if (auto meta = body.find("metadata");
      event_.user().empty() && meta != body.end() && meta->is_object()) {
    event_.set_user(StringAt(*meta, "user_id"));  // Anthropic's metadata.user_id
  }
  if (!content_) return;
  // Serialized straight from the parsed body (no copy of the prompt).
  const nlohmann::ordered_json* input = nullptr;
  for (const char* key : {"messages", "prompt", "input"}) {
    if (auto it = body.find(key); it != body.end() && !it->is_null()) {
      input = &*it;
      break;
    }
  }
  auto dump = [](const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (auto tools = body.find("tools"); tools != body.end()) {
    event_.set_input_json(StrCat("{\"messages\":", input ? dump(*input) : std::string("null"),
                                 ",\"tools\":", dump(*tools), "}"));
  } else if (input != nullptr) {
    event_.set_input_json(dump(*input));
  }
}

void CallTrace::Observe(const v1::CallResponse& message) {
  switch (message.kind_case()) {
    case v1::CallResponse::kHead:
      http_status_ = message.head().status();
      binary_ =
          message.head().stream() && !Contains(message.head().content_type(), "text/event-stream");
      event_.set_provider(message.head().provider());
      event_.set_upstream_model(message.head().upstream_model());
      break;
    case v1::CallResponse::kData:
      if (!content_ || binary_) break;
      if (event_.stream() && http_status_ >= 200 && http_status_ < 300) {
        parser_.Feed(message.data(),
                     [this](std::string_view, std::string_view data) { ObserveEvent(data); });
      } else if (body_.size() < (4 << 20)) {
        body_.append(message.data());
      }
      break;
    case v1::CallResponse::kSummary: {
      const auto& s = message.summary();
      have_summary_ = true;
      *event_.mutable_usage() = s.usage();
      int64_t start = event_.timings().start_unix_us();
      *event_.mutable_timings() = s.timings();
      if (start != 0) event_.mutable_timings()->set_start_unix_us(start);
      event_.set_upstream_status(s.upstream_status());
      event_.set_finish_reason(s.finish_reason());
      event_.set_error(s.error());
      event_.set_attempts(s.attempts());
      break;
    }
    default:
      break;
  }
}

// Streams are read chunk by chunk on the hot path, so the common chunk (text or reasoning
// deltas) is read with simdjson On-Demand: no DOM, no allocation beyond the output text.
// Chunks with tool calls, which need merging, take the DOM path below.
void CallTrace::ObserveEvent(std::string_view data) {
  if (data.empty() || data == "[DONE]") return;
  if (event_.endpoint() == "messages") {
    ObserveAnthropicEvent(data, &text_, &reasoning_, &tool_calls_);
    return;
  }
  if (Contains(data, "\"tool_calls\"")) {
    ObserveToolCallEvent(data);
    return;
  }
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  padded.assign(data);
  padded.resize(data.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded.data(), data.size(), padded.size()).get(doc)) return;
  simdjson::ondemand::array choices;
  if (doc["choices"].get_array().get(choices)) return;
  for (auto element : choices) {
    simdjson::ondemand::object choice;
    if (element.get_object().get(choice)) return;
    for (auto field : choice) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return;
      std::string_view text;
      if (key == "text") {
        if (!field.value().get_string().get(text)) text_ += text;  // legacy completions
        continue;
      }
      if (key != "delta") continue;
      simdjson::ondemand::object delta;
      if (field.value().get_object().get(delta)) return;
      for (auto part : delta) {
        if (part.unescaped_key().get(key)) return;
        std::string* into = key == "content"             ? &text_
                            : key == "reasoning_content" ? &reasoning_
                                                         : nullptr;
        if (into != nullptr && !part.value().get_string().get(text)) into->append(text);
      }
    }
    return;  // the first choice only
  }
}

void CallTrace::ObserveToolCallEvent(std::string_view data) {
  auto chunk = ParseUntrustedJson(data);
  if (!chunk.is_object()) return;
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty()) return;
  const auto& choice = (*choices)[0];
  if (auto text = choice.find("text"); text != choice.end() && text->is_string()) {
    text_ += text->get<std::string>();  // legacy completions
  }
  auto delta = choice.find("delta");
  if (delta == choice.end() || !delta->is_object()) return;
  text_ += StringAt(*delta, "content");
  reasoning_ += StringAt(*delta, "reasoning_content");
  if (auto calls = delta->find("tool_calls"); calls != delta->end() && calls->is_array()) {
    for (const auto& call : *calls) {
      int index = static_cast<int>(JsonInt(call, "index"));
      nlohmann::json& merged = tool_calls_[index];
      if (merged.is_null())
        merged = {
            {"id", ""}, {"type", "function"}, {"function", {{"name", ""}, {"arguments", ""}}}};
      if (auto id = StringAt(call, "id"); !id.empty()) merged["id"] = id;
      if (auto fn = call.find("function"); fn != call.end() && fn->is_object()) {
        std::string name = StringAt(*fn, "name");
        if (!name.empty()) merged["function"]["name"] = name;
        merged["function"]["arguments"] =
            merged["function"]["arguments"].get<std::string>() + StringAt(*fn, "arguments");
      }
    }
  }
}

void CallTrace::ObserveBody() {
  auto doc = ParseUntrustedJson(body_);
  if (!doc.is_object()) {
    if (!body_.empty()) message_ = body_.substr(0, 64 << 10);
    return;
  }
  if (http_status_ >= 400) {
    message_ = doc.contains("error") ? doc["error"] : doc;
    return;
  }
  if (auto choices = doc.find("choices");
      choices != doc.end() && choices->is_array() && !choices->empty()) {
    const auto& choice = (*choices)[0];
    if (choice.contains("message")) {
      message_ = choice["message"];
    } else if (choice.contains("text")) {
      message_ = choice["text"];
    }
    return;
  }
  if (auto data = doc.find("data"); data != doc.end() && data->is_array()) {
    message_ = {{"embeddings", data->size()}};  // vectors are not worth tracing
    return;
  }
  message_ = doc;
}

nlohmann::json CallTrace::Output() const {
  if (!message_.is_null()) return message_;
  if (text_.empty() && reasoning_.empty() && tool_calls_.empty()) return nullptr;
  nlohmann::json out = {{"role", "assistant"}, {"content", text_}};
  if (!reasoning_.empty()) out["reasoning_content"] = reasoning_;
  if (!tool_calls_.empty()) {
    out["tool_calls"] = nlohmann::json::array();
    for (const auto& [index, call] : tool_calls_) out["tool_calls"].push_back(call);
  }
  return out;
}

tracer::v1::TraceEvent CallTrace::Finish(const absl::Status& status) {
  if (content_ && !body_.empty()) ObserveBody();
  if (content_) {
    nlohmann::json output = Output();
    if (!output.is_null()) {
      event_.set_output_json(output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
  if (!status.ok()) {
    event_.set_status(HttpStatusFromStatus(status));
    if (event_.error().empty()) event_.set_error(std::string(status.message()));
  } else {
    event_.set_status(http_status_);
    if (http_status_ >= 400 && event_.error().empty()) {
      event_.set_error(StrCat("upstream answered HTTP ", http_status_));
    }
  }
  if (!have_summary_ || event_.timings().end_unix_us() == 0) {
    event_.mutable_timings()->set_end_unix_us(absl::ToUnixMicros(clock_.Now()));
  }
  return std::move(event_);
}

}  // namespace llmsrouter::router
