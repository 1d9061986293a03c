#include "services/router/chat_reactor.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

absl::StatusOr<std::string> ChatRequestToJson(const v1::ChatRequest& request) {
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  if (!request.extra_json().empty()) {
    body = ParseUntrustedJson<nlohmann::ordered_json>(request.extra_json());
    if (!body.is_object()) return absl::InvalidArgumentError("extra_json must be a JSON object");
  }
  body["model"] = request.model();
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const auto& m : request.messages()) {
    nlohmann::ordered_json message = {{"role", m.role()}, {"content", m.content()}};
    if (!m.name().empty()) message["name"] = m.name();
    if (!m.tool_call_id().empty()) message["tool_call_id"] = m.tool_call_id();
    messages.push_back(std::move(message));
  }
  body["messages"] = std::move(messages);
  if (request.has_temperature()) body["temperature"] = request.temperature();
  if (request.has_max_tokens()) body["max_tokens"] = request.max_tokens();
  if (request.has_top_p()) body["top_p"] = request.top_p();
  if (request.stop_size() > 0) {
    body["stop"] = std::vector<std::string>(request.stop().begin(), request.stop().end());
  }
  if (!request.user().empty()) body["user"] = request.user();
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<v1::CallRequest> ChatCallRequest(const v1::ChatRequest& request) {
  auto body = ChatRequestToJson(request);
  if (!body.ok()) return body.status();
  v1::CallRequest call;
  call.set_endpoint("chat/completions");
  call.set_body(*std::move(body));
  call.set_proxy(request.proxy());
  call.set_request_id(request.request_id());
  return call;
}

void ChatReactor::TranslateEvent(std::string_view data, std::vector<v1::ChatEvent>* out) {
  if (data.empty() || data == "[DONE]") return;
  auto doc = ParseUntrustedJson(data);
  if (!doc.is_object()) return;
  v1::ChatEvent event;
  event.set_raw_json(std::string(data));
  event.set_upstream_model(JsonString(doc, "model", upstream_model_));
  if (auto choices = doc.find("choices");
      choices != doc.end() && choices->is_array() && !choices->empty()) {
    const auto& choice = (*choices)[0];
    if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
      auto text = [&](const char* key) {
        auto it = delta->find(key);
        return it != delta->end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      event.set_content_delta(text("content"));
      event.set_reasoning_delta(text("reasoning_content"));
      event.set_role(text("role"));
    }
    if (auto reason = choice.find("finish_reason"); reason != choice.end() && reason->is_string()) {
      event.set_finish_reason(reason->get<std::string>());
    }
  }
  if (auto usage = doc.find("usage"); usage != doc.end() && usage->is_object()) {
    event.mutable_usage()->set_prompt_tokens(JsonInt(*usage, "prompt_tokens"));
    event.mutable_usage()->set_completion_tokens(JsonInt(*usage, "completion_tokens"));
    event.mutable_usage()->set_total_tokens(JsonInt(*usage, "total_tokens"));
  }
  out->push_back(std::move(event));
}

void ChatReactor::Translate(v1::CallResponse message, std::vector<v1::ChatEvent>* out) {
  switch (message.kind_case()) {
    case v1::CallResponse::kHead:
      upstream_status_ = message.head().status();
      upstream_model_ = message.head().upstream_model();
      break;
    case v1::CallResponse::kData:
      if (upstream_status_ >= 200 && upstream_status_ < 300) {
        parser_.Feed(message.data(),
                     [&](std::string_view, std::string_view data) { TranslateEvent(data, out); });
      } else {
        error_body_.append(message.data());
      }
      break;
    default:
      break;
  }
}

void ChatReactor::Complete(absl::Status status) {
  if (status.ok() && (upstream_status_ < 200 || upstream_status_ >= 300)) {
    auto doc = ParseUntrustedJson(error_body_);
    std::string message = error_body_;
    if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
      message = JsonString(doc["error"], "message", error_body_);
    }
    status = absl::Status(CodeFromHttpStatus(upstream_status_),
                          StrCat("upstream answered ", upstream_status_, ": ", message));
  }
  StreamingReactor::Complete(std::move(status));
}

}  // namespace llmsrouter::router
