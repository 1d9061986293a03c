#include "services/router/anthropic/messages_to_chat.h"

#include <set>

namespace llmsrouter::router::anthropic {
namespace {

// Top-level fields of a Messages request the translation understands.
const std::set<std::string, std::less<>>& KnownFields() {
  static const auto* known = new std::set<std::string, std::less<>>{
      "model",          "messages",    "system",      "max_tokens",  "metadata",
      "stop_sequences", "stream",      "temperature", "top_p",       "top_k",
      "tools",          "tool_choice", "thinking",    "service_tier"};
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
    if (Str(content[i], "type") != "text" || !content[i]["text"].is_string()) {
      return FieldError(where, "only text blocks can be translated here");
    }
    if (!text.empty()) text += "\n\n";
    text += content[i]["text"].get<std::string>();
  }
  return text;
}

absl::StatusOr<Json> ImagePart(const Json& block, const std::string& where) {
  const Json& source = block.contains("source") ? block["source"] : Json();
  std::string type = Str(source, "type");
  std::string url;
  if (type == "base64") {
    url = StrCat("data:", Str(source, "media_type"), ";base64,", Str(source, "data"));
  } else if (type == "url") {
    url = Str(source, "url");
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
    if (!block.contains("text") || !block["text"].is_string()) {
      return FieldError(where + ".text", "must be a string");
    }
    turn->parts.push_back({{"type", "text"}, {"text", block["text"]}});
  } else if (type == "image" && !assistant) {
    auto part = ImagePart(block, where);
    if (!part.ok()) return part.status();
    turn->parts.push_back(*std::move(part));
  } else if (type == "tool_use" && assistant) {
    std::string id = Str(block, "id");
    if (id.empty() || Str(block, "name").empty()) {
      return FieldError(where, "tool_use needs an id and a name");
    }
    open_calls->insert(id);
    Json input = block.contains("input") ? block["input"] : Json::object();
    turn->tool_calls.push_back(
        {{"id", id},
         {"type", "function"},
         {"function", {{"name", block["name"]}, {"arguments", Dump(input)}}}});
  } else if (type == "tool_result" && !assistant) {
    std::string id = Str(block, "tool_use_id");
    if (open_calls->erase(id) == 0) {
      return FieldError(where + ".tool_use_id",
                        StrCat("no earlier tool_use has the id '", id, "'"));
    }
    auto text = TextOf(block.contains("content") ? block["content"] : Json(), where + ".content");
    if (!text.ok()) return text.status();
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
  for (const auto& p : parts) all_text = all_text && p["type"] == "text";
  if (!all_text) return parts;
  std::string text;
  for (const auto& p : parts) text += p["text"].get<std::string>();
  return text;
}

absl::Status TranslateMessage(const Json& message, const std::string& where,
                              std::set<std::string>* open_calls, Json* out) {
  std::string role = Str(message, "role");
  if (role != "user" && role != "assistant") {
    return FieldError(where + ".role", "must be 'user' or 'assistant'");
  }
  bool assistant = role == "assistant";
  const Json& content = message.contains("content") ? message["content"] : Json();
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
    std::string type = Str(tool, "type");
    if (!type.empty() && type != "custom") {
      return FieldError(StrCat("tools[", i, "].type"),
                        StrCat("server tool '", type, "' exists only on Anthropic's API"));
    }
    if (Str(tool, "name").empty()) return FieldError(StrCat("tools[", i, "].name"), "is required");
    Json function = {{"name", tool["name"]}};
    if (tool.contains("description")) function["description"] = tool["description"];
    function["parameters"] =
        tool.contains("input_schema") ? tool["input_schema"] : Json{{"type", "object"}};
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
    (*chat)["tool_choice"] = {{"type", "function"}, {"function", {{"name", choice["name"]}}}};
  } else {
    return FieldError("tool_choice.type", "must be auto, any, none or tool (with a name)");
  }
  if (choice.contains("disable_parallel_tool_use") && choice["disable_parallel_tool_use"] == true) {
    (*chat)["parallel_tool_calls"] = false;
  }
  return absl::OkStatus();
}

absl::Status Sampling(const Json& messages, Json* chat) {
  for (const char* key : {"max_tokens", "temperature", "top_p", "top_k"}) {
    if (messages.contains(key)) (*chat)[key] = messages[key];
  }
  if (messages.contains("stop_sequences")) (*chat)["stop"] = messages["stop_sequences"];
  if (messages.contains("metadata")) {
    const Json& metadata = messages["metadata"];
    if (!metadata.is_object()) return FieldError("metadata", "must be an object");
    if (!Str(metadata, "user_id").empty()) (*chat)["user"] = metadata["user_id"];
  }
  if (messages.contains("thinking") && Str(messages["thinking"], "type") == "enabled") {
    int64_t budget = Int(messages["thinking"], "budget_tokens");
    (*chat)["reasoning_effort"] = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Json> MessagesToChat(const Json& messages) {
  for (const auto& [key, value] : messages.items()) {
    if (!KnownFields().contains(key)) {
      return FieldError(key, "this Messages API field cannot be translated to chat completions");
    }
  }
  Json chat = {{"model", messages.contains("model") ? messages["model"] : Json()}};
  Json out = Json::array();
  if (messages.contains("system")) {
    auto system = TextOf(messages["system"], "system");
    if (!system.ok()) return system.status();
    out.push_back({{"role", "system"}, {"content", *system}});
  }
  const Json& list = messages.contains("messages") ? messages["messages"] : Json();
  if (!list.is_array()) return FieldError("messages", "must be an array");
  std::set<std::string> open_calls;
  for (size_t i = 0; i < list.size(); ++i) {
    auto s = TranslateMessage(list[i], StrCat("messages[", i, "]"), &open_calls, &out);
    if (!s.ok()) return s;
  }
  chat["messages"] = std::move(out);
  if (auto s = Sampling(messages, &chat); !s.ok()) return s;
  if (messages.contains("tools")) {
    auto tools = Tools(messages["tools"]);
    if (!tools.ok()) return tools.status();
    if (!tools->empty()) chat["tools"] = *std::move(tools);
  }
  if (messages.contains("tool_choice")) {
    if (auto s = ToolChoice(messages["tool_choice"], &chat); !s.ok()) return s;
  }
  if (messages.contains("stream") && messages["stream"] == true) {
    chat["stream"] = true;
    chat["stream_options"] = {{"include_usage", true}};
  }
  return chat;
}

}  // namespace llmsrouter::router::anthropic
