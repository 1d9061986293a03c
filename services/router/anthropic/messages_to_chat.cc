#include "services/router/anthropic/messages_to_chat.h"

#include <set>

namespace llmsrouter::router::anthropic {
namespace {

// Top-level fields of a Messages request the translation understands.
const std::set<std::string, std::less<>>& KnownFields() {
  static const auto* known = new std::set<std::string, std::less<>>{
      "model",  "messages",    "system", "max_tokens", "metadata",    "stop_sequences",
      "stream", "temperature", "top_p",  "tools",      "tool_choice", "thinking"};
  return *known;
}

// The text of a `system` or `tool_result` content: a string, or text blocks joined.
absl::StatusOr<std::string> TextOf(const Json& content, const std::string& field) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return std::string();
  if (!content.is_array()) return FieldError(field, "must be a string or an array of blocks");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    std::string where = StrCat(field, "[", i, "]");
    if (!content[i].is_object()) return FieldError(where, "a content block must be an object");
    if (Str(content[i], "type") != "text") {
      return FieldError(where + ".type", "only text blocks can be translated here");
    }
    const Json& piece = At(content[i], "text");
    if (!piece.is_string()) return FieldError(where + ".text", "must be a string");
    if (!text.empty()) text += "\n\n";
    text += piece.get_ref<const std::string&>();
  }
  return text;
}

absl::StatusOr<Json> ImagePart(const Json& block, const std::string& where) {
  const Json& source = At(block, "source");
  if (!source.is_object()) return FieldError(where + ".source", "must be an object");
  std::string type = Str(source, "type");
  std::string url;
  if (type == "base64") {
    for (const char* key : {"media_type", "data"}) {
      if (Str(source, key).empty()) {
        return FieldError(StrCat(where, ".source.", key), "must be a non-empty string");
      }
    }
    url = StrCat("data:", Str(source, "media_type"), ";base64,", Str(source, "data"));
  } else if (type == "url") {
    url = Str(source, "url");
    if (url.empty()) return FieldError(where + ".source.url", "must be a non-empty string");
  } else {
    return FieldError(where + ".source.type", "images must be base64 or url");
  }
  return Json{{"type", "image_url"}, {"image_url", {{"url", url}}}};
}

struct Turn {
  Json parts = Json::array();          // user/assistant content parts
  Json tool_calls = Json::array();     // assistant
  Json tool_messages = Json::array();  // user tool_result blocks, as tool messages
};

absl::Status TranslateBlock(const Json& block, const std::string& where, bool assistant,
                            std::set<std::string>* open_calls, Turn* turn) {
  if (!block.is_object()) return FieldError(where, "a content block must be an object");
  std::string type = Str(block, "type");
  if (type == "text") {
    const Json& text = At(block, "text");
    if (!text.is_string()) return FieldError(where + ".text", "must be a string");
    turn->parts.push_back({{"type", "text"}, {"text", text}});
  } else if (type == "image" && !assistant) {
    auto part = ImagePart(block, where);
    if (!part.ok()) return part.status();
    turn->parts.push_back(*std::move(part));
  } else if (type == "tool_use" && assistant) {
    std::string id = Str(block, "id");
    if (id.empty()) return FieldError(where + ".id", "must be a non-empty string");
    std::string name = Str(block, "name");
    if (name.empty()) return FieldError(where + ".name", "must be a non-empty string");
    const Json& input = At(block, "input");
    if (!input.is_null() && !input.is_object()) {
      return FieldError(where + ".input", "must be an object");
    }
    open_calls->insert(id);
    turn->tool_calls.push_back(
        {{"id", id},
         {"type", "function"},
         {"function",
          {{"name", name}, {"arguments", input.is_null() ? std::string("{}") : Dump(input)}}}});
  } else if (type == "tool_result" && !assistant) {
    std::string id = Str(block, "tool_use_id");
    if (id.empty()) return FieldError(where + ".tool_use_id", "must be a non-empty string");
    if (open_calls->erase(id) == 0) {
      return FieldError(where + ".tool_use_id",
                        StrCat("no earlier tool_use has the id '", id, "'"));
    }
    auto text = TextOf(At(block, "content"), where + ".content");
    if (!text.ok()) return text.status();
    const Json& is_error = At(block, "is_error");
    if (!is_error.is_null() && !is_error.is_boolean()) {
      return FieldError(where + ".is_error", "must be a boolean");
    }
    // Chat has no error flag: the model reads it as a marker in the content.
    if (is_error == true) *text = StrCat(kToolErrorMarker, *text);
    turn->tool_messages.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", *text}});
  } else if ((type == "thinking" || type == "redacted_thinking") && assistant) {
    // Earlier reasoning: chat APIs take no reasoning back, so it stays behind.
  } else {
    return FieldError(where + ".type", StrCat("block type '", type, "' cannot be translated in a ",
                                              assistant ? "assistant" : "user", " message"));
  }
  return absl::OkStatus();
}

// Plain text stays a string (what every OpenAI-compatible server takes); else parts.
Json ContentOf(const Json& parts) {
  if (parts.empty()) return nullptr;
  bool all_text = true;
  for (const auto& p : parts) all_text = all_text && Str(p, "type") == "text";
  if (!all_text) return parts;
  std::string text;
  for (const auto& p : parts) text += Str(p, "text");
  return text;
}

absl::Status TranslateMessage(const Json& message, const std::string& where,
                              std::set<std::string>* open_calls, Json* out) {
  if (!message.is_object()) return FieldError(where, "a message must be an object");
  std::string role = Str(message, "role");
  if (role != "user" && role != "assistant") {
    return FieldError(where + ".role", "must be 'user' or 'assistant'");
  }
  bool assistant = role == "assistant";
  const Json& content = At(message, "content");
  if (content.is_string()) {
    out->push_back({{"role", role}, {"content", content}});
    return absl::OkStatus();
  }
  if (!content.is_array()) return FieldError(where + ".content", "must be a string or an array");
  Turn turn;
  for (size_t j = 0; j < content.size(); ++j) {
    auto s = TranslateBlock(content[j], StrCat(where, ".content[", j, "]"), assistant, open_calls,
                            &turn);
    if (!s.ok()) return s;
  }
  for (auto& tool : turn.tool_messages) out->push_back(std::move(tool));
  if (assistant) {
    Json m = {{"role", "assistant"}, {"content", ContentOf(turn.parts)}};
    if (!turn.tool_calls.empty()) m["tool_calls"] = std::move(turn.tool_calls);
    out->push_back(std::move(m));
  } else if (!turn.parts.empty() || turn.tool_messages.empty()) {
    out->push_back({{"role", "user"}, {"content", ContentOf(turn.parts)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> Tools(const Json& tools) {
  if (!tools.is_array()) return FieldError("tools", "must be an array");
  Json out = Json::array();
  for (size_t i = 0; i < tools.size(); ++i) {
    const Json& tool = tools[i];
    if (!tool.is_object()) return FieldError(StrCat("tools[", i, "]"), "must be an object");
    std::string type = Str(tool, "type");
    if (!type.empty() && type != "custom") {
      return FieldError(StrCat("tools[", i, "].type"),
                        StrCat("server tool '", type, "' exists only on Anthropic's API"));
    }
    if (Str(tool, "name").empty()) return FieldError(StrCat("tools[", i, "].name"), "is required");
    Json function = {{"name", Str(tool, "name")}};
    if (const Json& about = At(tool, "description"); !about.is_null()) {
      if (!about.is_string())
        return FieldError(StrCat("tools[", i, "].description"), "not a string");
      function["description"] = about;
    }
    const Json& schema = At(tool, "input_schema");
    if (!schema.is_null() && !schema.is_object()) {
      return FieldError(StrCat("tools[", i, "].input_schema"), "must be an object");
    }
    function["parameters"] = schema.is_null() ? Json{{"type", "object"}} : schema;
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

absl::Status ToolChoice(const Json& choice, Json* chat) {
  std::string type = Str(choice, "type");
  if (type == "auto") {
    (*chat)["tool_choice"] = "auto";
  } else if (type == "any") {
    (*chat)["tool_choice"] = "required";
  } else if (type == "none") {
    (*chat)["tool_choice"] = "none";
  } else if (type == "tool" && !Str(choice, "name").empty()) {
    (*chat)["tool_choice"] = {{"type", "function"}, {"function", {{"name", Str(choice, "name")}}}};
  } else {
    return FieldError("tool_choice.type", "must be auto, any, none or tool (with a name)");
  }
  if (At(choice, "disable_parallel_tool_use") == true) {
    (*chat)["parallel_tool_calls"] = false;
  }
  return absl::OkStatus();
}

absl::Status Sampling(const Json& messages, Json* chat) {
  for (const char* key : {"max_tokens", "temperature", "top_p"}) {
    const Json& value = At(messages, key);
    if (value.is_null()) continue;
    if (!value.is_number()) return FieldError(key, "must be a number");
    (*chat)[key] = value;
  }
  if (const Json& stop = At(messages, "stop_sequences"); !stop.is_null()) {
    if (!stop.is_array()) return FieldError("stop_sequences", "must be an array of strings");
    for (const auto& s : stop) {
      if (!s.is_string()) return FieldError("stop_sequences", "must be an array of strings");
    }
    (*chat)["stop"] = stop;
  }
  if (const Json& metadata = At(messages, "metadata"); !metadata.is_null()) {
    if (!metadata.is_object()) return FieldError("metadata", "must be an object");
    if (!Str(metadata, "user_id").empty()) (*chat)["user"] = Str(metadata, "user_id");
  }
  const Json& thinking = At(messages, "thinking");
  if (!thinking.is_null() && !thinking.is_object()) {
    return FieldError("thinking", "must be an object");
  }
  if (Str(thinking, "type") == "enabled") {
    int64_t budget = Int(thinking, "budget_tokens");
    (*chat)["reasoning_effort"] = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> MessagesToChat(const Json& messages, bool stream_usage) {
  for (const auto& [key, value] : messages.items()) {
    // service_tier "auto" is what a provider without tiers does anyway.
    if (key == "service_tier" && (value.is_null() || value == "auto")) continue;
    if (!KnownFields().contains(key)) {
      return FieldError(key, "this Messages API field cannot be translated to chat completions");
    }
  }
  Json chat = {{"model", At(messages, "model")}};
  Json out = Json::array();
  if (messages.contains("system")) {
    auto system = TextOf(At(messages, "system"), "system");
    if (!system.ok()) return system.status();
    out.push_back({{"role", "system"}, {"content", *system}});
  }
  const Json& list = At(messages, "messages");
  if (!list.is_array()) return FieldError("messages", "must be an array");
  std::set<std::string> open_calls;
  for (size_t i = 0; i < list.size(); ++i) {
    auto s = TranslateMessage(list[i], StrCat("messages[", i, "]"), &open_calls, &out);
    if (!s.ok()) return s;
  }
  chat["messages"] = std::move(out);
  if (auto s = Sampling(messages, &chat); !s.ok()) return s;
  if (messages.contains("tools")) {
    auto tools = Tools(At(messages, "tools"));
    if (!tools.ok()) return tools.status();
    if (!tools->empty()) chat["tools"] = *std::move(tools);
  }
  if (messages.contains("tool_choice")) {
    if (auto s = ToolChoice(At(messages, "tool_choice"), &chat); !s.ok()) return s;
  }
  if (At(messages, "stream") == true) {
    chat["stream"] = true;
    if (stream_usage) chat["stream_options"] = {{"include_usage", true}};
  }
  return chat;
}

}  // namespace llmsrouter::router::anthropic
