#include "services/router/anthropic/chat_to_messages.h"

#include <set>

#include "common/json_limits.h"

namespace llmsrouter::router::anthropic {
namespace {

// Fields translated, and fields that are harmless when at their default.
const std::set<std::string, std::less<>>& KnownFields() {
  static const auto* known = new std::set<std::string, std::less<>>{"model",
                                                                    "messages",
                                                                    "max_tokens",
                                                                    "max_completion_tokens",
                                                                    "temperature",
                                                                    "top_p",
                                                                    "stop",
                                                                    "stream",
                                                                    "stream_options",
                                                                    "user",
                                                                    "tools",
                                                                    "tool_choice",
                                                                    "parallel_tool_calls",
                                                                    "reasoning_effort",
                                                                    "top_k"};
  return *known;
}

bool AtDefault(std::string_view key, const Json& value) {
  if (value.is_null()) return true;
  if (key == "n") return value == 1;
  if (key == "logprobs") return value == false;
  if (key == "frequency_penalty" || key == "presence_penalty") return value == 0;
  if (key == "response_format") return Str(value, "type") == "text";
  return false;
}

absl::StatusOr<Json> ImageBlock(const Json& part, const std::string& where) {
  std::string url = Str(At(part, "image_url"), "url");
  if (url.starts_with("data:")) {
    size_t semi = url.find(";base64,");
    if (semi == std::string::npos) return FieldError(where, "data URLs must be base64");
    return Json{{"type", "image"},
                {"source",
                 {{"type", "base64"},
                  {"media_type", url.substr(5, semi - 5)},
                  {"data", url.substr(semi + 8)}}}};
  }
  if (url.starts_with("https://") || url.starts_with("http://")) {
    return Json{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
  }
  return FieldError(where + ".image_url.url", "must be a data: or http(s) URL");
}

// Content (string or parts) as Anthropic blocks.
absl::StatusOr<Json> Blocks(const Json& content, const std::string& where) {
  Json blocks = Json::array();
  if (content.is_null()) return blocks;
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) {
      blocks.push_back({{"type", "text"}, {"text", content}});
    }
    return blocks;
  }
  if (!content.is_array()) return FieldError(where, "must be a string or an array of parts");
  for (size_t i = 0; i < content.size(); ++i) {
    std::string at = StrCat(where, "[", i, "]");
    if (!content[i].is_object()) return FieldError(at, "a content part must be an object");
    std::string type = Str(content[i], "type");
    if (type == "text") {
      const Json& text = At(content[i], "text");
      if (!text.is_string()) return FieldError(at + ".text", "must be a string");
      blocks.push_back({{"type", "text"}, {"text", text}});
    } else if (type == "image_url") {
      auto image = ImageBlock(content[i], at);
      if (!image.ok()) return image.status();
      blocks.push_back(*std::move(image));
    } else {
      return FieldError(at + ".type", StrCat("part type '", type, "' cannot be translated"));
    }
  }
  return blocks;
}

absl::Status AssistantBlocks(const Json& message, const std::string& where,
                             std::set<std::string>* open_calls, Json* blocks) {
  auto text = Blocks(At(message, "content"), where + ".content");
  if (!text.ok()) return text.status();
  *blocks = *std::move(text);
  const Json& calls = At(message, "tool_calls");
  if (calls.is_null()) return absl::OkStatus();
  if (!calls.is_array()) return FieldError(where + ".tool_calls", "must be an array");
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string at = StrCat(where, ".tool_calls[", i, "]");
    const Json& function = At(calls[i], "function");
    std::string id = Str(calls[i], "id");
    if (id.empty()) return FieldError(at + ".id", "must be a non-empty string");
    if (Str(function, "name").empty()) {
      return FieldError(at + ".function.name", "must be a non-empty string");
    }
    const Json& given = At(function, "arguments");
    if (!given.is_null() && !given.is_string()) {
      return FieldError(at + ".function.arguments", "must be a JSON object in a string");
    }
    std::string arguments = Str(function, "arguments");
    Json input = arguments.empty() ? Json::object() : ParseUntrustedJson<Json>(arguments);
    if (!input.is_object()) {
      return FieldError(at + ".function.arguments", "must be a JSON object in a string");
    }
    open_calls->insert(id);
    blocks->push_back({{"type", "tool_use"},
                       {"id", id},
                       {"name", Str(function, "name")},
                       {"input", std::move(input)}});
  }
  return absl::OkStatus();
}

// Appends blocks to the last turn when it has the same role (tool results and the user's
// next words share one user turn), else starts a turn.
void AddTurn(Json* messages, const std::string& role, Json blocks) {
  if (blocks.empty()) return;
  if (!messages->empty() && messages->back()["role"] == role) {
    for (auto& b : blocks) messages->back()["content"].push_back(std::move(b));
    return;
  }
  messages->push_back({{"role", role}, {"content", std::move(blocks)}});
}

absl::Status TranslateMessage(const Json& message, const std::string& where,
                              std::set<std::string>* open_calls, Json* system, Json* out) {
  if (!message.is_object()) return FieldError(where, "a message must be an object");
  for (const char* key : {"name", "function_call", "audio", "refusal"}) {
    if (const Json& value = At(message, key); !value.is_null() && value != "") {
      return FieldError(StrCat(where, ".", key), "the Anthropic Messages API has no equivalent");
    }
  }
  std::string role = Str(message, "role");
  const Json& content = At(message, "content");
  if (role == "system" || role == "developer") {
    auto blocks = Blocks(content, where + ".content");
    if (!blocks.ok()) return blocks.status();
    for (auto& b : *blocks) system->push_back(std::move(b));
  } else if (role == "user") {
    auto blocks = Blocks(content, where + ".content");
    if (!blocks.ok()) return blocks.status();
    AddTurn(out, "user", *std::move(blocks));
  } else if (role == "assistant") {
    Json blocks;
    if (auto s = AssistantBlocks(message, where, open_calls, &blocks); !s.ok()) return s;
    AddTurn(out, "assistant", std::move(blocks));
  } else if (role == "tool") {
    std::string id = Str(message, "tool_call_id");
    if (open_calls->erase(id) == 0) {
      return FieldError(where + ".tool_call_id",
                        StrCat("no earlier tool call has the id '", id, "'"));
    }
    auto blocks = Blocks(content, where + ".content");
    if (!blocks.ok()) return blocks.status();
    AddTurn(out, "user",
            Json::array({{{"type", "tool_result"}, {"tool_use_id", id}, {"content", *blocks}}}));
  } else {
    return FieldError(where + ".role", StrCat("role '", role, "' cannot be translated"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Tools(const Json& tools) {
  if (!tools.is_array()) return FieldError("tools", "must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const Json& function = At(tools[i], "function");
    if (Str(tools[i], "type") != "function") {
      return FieldError(StrCat("tools[", i, "].type"), "only function tools translate");
    }
    if (Str(function, "name").empty()) {
      return FieldError(StrCat("tools[", i, "].function.name"), "must be a non-empty string");
    }
    Json tool = {{"name", Str(function, "name")}};
    if (const Json& about = At(function, "description"); !about.is_null()) {
      if (!about.is_string()) {
        return FieldError(StrCat("tools[", i, "].function.description"), "must be a string");
      }
      tool["description"] = about;
    }
    const Json& schema = At(function, "parameters");
    if (!schema.is_null() && !schema.is_object()) {
      return FieldError(StrCat("tools[", i, "].function.parameters"), "must be an object");
    }
    tool["input_schema"] = schema.is_null() ? Json{{"type", "object"}} : schema;
    out.push_back(std::move(tool));
  }
  return out;
}

absl::Status ToolChoice(const Json& chat, Json* messages) {
  Json choice;
  const Json& given = At(chat, "tool_choice");
  if (given.is_null() || given == "auto") {
    choice = {{"type", "auto"}};
  } else if (given == "none") {
    choice = {{"type", "none"}};
  } else if (given == "required") {
    choice = {{"type", "any"}};
  } else if (!Str(At(given, "function"), "name").empty()) {
    choice = {{"type", "tool"}, {"name", Str(At(given, "function"), "name")}};
  } else {
    return FieldError("tool_choice", "must be auto, none, required or a function");
  }
  if (At(chat, "parallel_tool_calls") == false) {
    choice["disable_parallel_tool_use"] = true;
  }
  if (!given.is_null() || choice.contains("disable_parallel_tool_use")) {
    (*messages)["tool_choice"] = std::move(choice);
  }
  return absl::OkStatus();
}

// Anthropic wants the assistant turn of an ongoing tool loop to start with its own signed
// thinking block when thinking is on; chat history has none to give back.
bool InToolLoop(const Json& list) {
  if (!list.is_array()) return false;
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    if (Str(*it, "role") != "assistant") continue;
    const Json& calls = At(*it, "tool_calls");
    return calls.is_array() && !calls.empty();
  }
  return false;
}

absl::Status Sampling(const Json& chat, Json* messages) {
  int64_t max_tokens = Int(chat, "max_completion_tokens");
  if (max_tokens == 0) max_tokens = Int(chat, "max_tokens");
  if (max_tokens == 0) max_tokens = kDefaultMaxTokens;
  std::string effort = Str(chat, "reasoning_effort");
  if (!effort.empty() && effort != "none" && effort != "minimal" &&
      !InToolLoop(At(chat, "messages"))) {
    int64_t budget = effort == "low" ? 1024 : effort == "medium" ? 4096 : 16384;
    (*messages)["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    if (max_tokens <= budget) max_tokens = budget + max_tokens;
  }
  (*messages)["max_tokens"] = max_tokens;
  for (const char* key : {"temperature", "top_p", "top_k"}) {
    const Json& value = At(chat, key);
    if (value.is_null()) continue;
    if (!value.is_number()) return FieldError(key, "must be a number");
    (*messages)[key] = value;
  }
  if (const Json& stop = At(chat, "stop"); !stop.is_null()) {
    Json list = stop.is_string() ? Json::array({stop}) : stop;
    if (!list.is_array()) return FieldError("stop", "must be a string or an array of strings");
    for (const auto& s : list) {
      if (!s.is_string()) return FieldError("stop", "must be a string or an array of strings");
    }
    (*messages)["stop_sequences"] = std::move(list);
  }
  if (!Str(chat, "user").empty()) (*messages)["metadata"] = {{"user_id", Str(chat, "user")}};
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> ChatToMessages(const Json& chat) {
  for (const auto& [key, value] : chat.items()) {
    if (!KnownFields().contains(key) && !AtDefault(key, value)) {
      return FieldError(key, "this chat field cannot be translated to the Anthropic Messages API");
    }
  }
  Json messages = {{"model", At(chat, "model")}};
  const Json& list = At(chat, "messages");
  if (!list.is_array()) return FieldError("messages", "must be an array");
  Json system = Json::array();
  Json out = Json::array();
  std::set<std::string> open_calls;
  for (size_t i = 0; i < list.size(); ++i) {
    auto s = TranslateMessage(list[i], StrCat("messages[", i, "]"), &open_calls, &system, &out);
    if (!s.ok()) return s;
  }
  if (auto s = Sampling(chat, &messages); !s.ok()) return s;
  if (!system.empty()) messages["system"] = std::move(system);
  messages["messages"] = std::move(out);
  if (const Json& given = At(chat, "tools"); !given.is_null()) {
    auto tools = Tools(given);
    if (!tools.ok()) return tools.status();
    if (!tools->empty()) messages["tools"] = *std::move(tools);
  }
  if (auto s = ToolChoice(chat, &messages); !s.ok()) return s;
  if (At(chat, "stream") == true) messages["stream"] = true;
  return messages;
}

}  // namespace llmsrouter::router::anthropic
