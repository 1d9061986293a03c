// Golden-file tests of the Anthropic <-> OpenAI translation, both directions, whole and
// streamed, plus the refusals. LLMSROUTER_UPDATE_GOLDENS=1 rewrites the *.out.* files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/json_limits.h"
#include "common/sse_parser.h"
#include "common/status_map.h"
#include "services/router/anthropic/anthropic_call.h"
#include "services/router/anthropic/chat_stream_to_events.h"
#include "services/router/anthropic/chat_to_messages.h"
#include "services/router/anthropic/events_to_chat_stream.h"
#include "services/router/anthropic/messages_to_chat.h"
#include "services/router/anthropic/responses.h"
#include "services/router/anthropic/translating_output.h"
#include "services/router/anthropic/usage.h"

namespace llmsrouter::router::anthropic {
namespace {

std::string Path(const std::string& name) {
  return StrCat(LLMSROUTER_SOURCE_DIR, "/services/router/anthropic/testdata/", name);
}

std::string Read(const std::string& name) {
  std::ifstream in(Path(name), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  if (std::getenv("LLMSROUTER_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(Path(name), std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, Read(name)) << "golden " << name
                                << " differs (LLMSROUTER_UPDATE_GOLDENS=1 rewrites it)";
}

Json ReadJson(const std::string& name) {
  Json doc = ParseUntrustedJson<Json>(Read(name));
  EXPECT_TRUE(doc.is_object()) << name;
  return doc;
}

std::string Pretty(const Json& json) { return json.dump(2) + "\n"; }

TEST(AnthropicGoldenTest, MessagesRequestToChat) {
  auto chat = MessagesToChat(ReadJson("claude_code_request.in.json"), /*stream_usage=*/true);
  ASSERT_TRUE(chat.ok()) << chat.status();
  ExpectGolden("claude_code_request.chat.out.json", Pretty(*chat));
}

TEST(AnthropicGoldenTest, ChatRequestToMessages) {
  auto messages = ChatToMessages(ReadJson("openai_tools_request.in.json"));
  ASSERT_TRUE(messages.ok()) << messages.status();
  ExpectGolden("openai_tools_request.messages.out.json", Pretty(*messages));
}

TEST(AnthropicGoldenTest, ChatCompletionToMessage) {
  ExpectGolden("chat_completion.message.out.json",
               Pretty(ChatCompletionToMessage(ReadJson("chat_completion.in.json"))));
}

TEST(AnthropicGoldenTest, MessageToChatCompletion) {
  ExpectGolden("anthropic_message.chat.out.json",
               Pretty(MessageToChatCompletion(ReadJson("anthropic_message.in.json"), 1700000000)));
}

// Feeds `sse` to a translator in pieces of `piece` bytes, through TranslatingOutput as the
// router does, and returns the bytes it emitted.
class Collector : public CallOutput {
 public:
  bool HasRoom() override { return true; }
  void Emit(v1::CallResponse message) override {
    if (message.has_data()) data += message.data();
    if (message.has_head()) head = message.head();
    if (message.has_summary()) summaries++;
  }
  void Complete(absl::Status) override {}
  std::string data;
  v1::ResponseHead head;
  int summaries = 0;
};

std::string TranslateStream(Translation translation, const std::string& sse, size_t piece,
                            bool include_usage) {
  Collector sink;
  TranslatingOutput output(&sink, translation, include_usage, 1700000000);
  v1::CallResponse head;
  head.mutable_head()->set_status(200);
  head.mutable_head()->set_stream(true);
  output.Emit(head);
  for (size_t i = 0; i < sse.size(); i += piece) {
    v1::CallResponse data;
    data.set_data(sse.substr(i, piece));
    output.Emit(data);
  }
  v1::CallResponse summary;
  summary.mutable_summary();
  output.Emit(summary);
  EXPECT_EQ(sink.summaries, 1);
  return sink.data;
}

TEST(AnthropicGoldenTest, ChatStreamToEvents) {
  std::string sse = Read("chat_stream.in.sse");
  std::string whole = TranslateStream(Translation::kMessagesToChat, sse, sse.size(), false);
  ExpectGolden("chat_stream.events.out.sse", whole);
  // Any network chunking gives the same events.
  for (size_t piece : {1, 7, 64}) {
    EXPECT_EQ(TranslateStream(Translation::kMessagesToChat, sse, piece, false), whole) << piece;
  }
}

TEST(AnthropicGoldenTest, EventsToChatStream) {
  std::string sse = Read("anthropic_stream.in.sse");
  std::string whole = TranslateStream(Translation::kChatToMessages, sse, sse.size(), true);
  ExpectGolden("anthropic_stream.chat.out.sse", whole);
  for (size_t piece : {1, 13}) {
    EXPECT_EQ(TranslateStream(Translation::kChatToMessages, sse, piece, true), whole) << piece;
  }
  // Without include_usage there is no usage chunk, but still [DONE].
  std::string plain = TranslateStream(Translation::kChatToMessages, sse, sse.size(), false);
  EXPECT_EQ(plain.find("\"usage\""), std::string::npos);
  EXPECT_TRUE(plain.ends_with("data: [DONE]\n\n"));
}

// The content blocks of a translated stream, checking Anthropic's rules on the way: one block
// open at a time, deltas only for the open block, indexes in order.
struct StreamedBlock {
  std::string type, id, name, text;
};
std::vector<StreamedBlock> BlocksOf(const std::vector<std::string>& chunks) {
  ChatStreamToEvents translator;
  std::string out;
  for (const auto& chunk : chunks) translator.Feed(chunk, &out);
  translator.Feed("[DONE]", &out);
  std::vector<StreamedBlock> blocks;
  int open = -1;
  SseParser parser;
  parser.Feed(out, [&](std::string_view, std::string_view data) {
    Json e = Json::parse(data);
    std::string type = e["type"];
    if (type == "content_block_start") {
      EXPECT_EQ(open, -1) << out;
      open = e["index"];
      EXPECT_EQ(open, static_cast<int>(blocks.size())) << out;
      const Json& b = e["content_block"];
      blocks.push_back({b["type"], Str(b, "id"), Str(b, "name"), ""});
    } else if (type == "content_block_delta") {
      EXPECT_EQ(e["index"], open) << out;
      if (open < 0) return;
      const Json& d = e["delta"];
      blocks[open].text += Str(d, "partial_json") + Str(d, "text") + Str(d, "thinking");
    } else if (type == "content_block_stop") {
      EXPECT_EQ(e["index"], open) << out;
      open = -1;
    }
  });
  EXPECT_EQ(open, -1) << out;
  return blocks;
}

TEST(AnthropicStreamTest, ReasoningFieldOfVllmAndOpenRouterIsThinking) {
  auto blocks = BlocksOf({R"({"id":"c","choices":[{"index":0,"delta":{"reasoning":"hm"}}]})",
                          R"({"id":"c","choices":[{"index":0,"delta":{"content":"ok"}}]})"});
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].type, "thinking");
  EXPECT_EQ(blocks[0].text, "hm");
  Json message = ChatCompletionToMessage(Json::parse(R"({"id":"c","choices":[{"index":0,
      "finish_reason":"stop","message":{"role":"assistant","content":"ok","reasoning":"hm"}}]})"));
  EXPECT_EQ(message["content"][0]["type"], "thinking") << message.dump();
  EXPECT_EQ(message["content"][0]["thinking"], "hm");
}

TEST(AnthropicStreamTest, InterleavedAndReusedToolCallIndexesStayApart) {
  auto blocks = BlocksOf({
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":0,"id":"a","function":{"name":"f","arguments":"{\"x\""}}]}}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":1,"id":"b","function":{"name":"g","arguments":"{\"y\""}}]}}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":0,"function":{"arguments":":1}"}}]}}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":1,"function":{"arguments":":2}"}}]}}]})",
      // A provider reusing index 0 with a new id: a third call, not more of the first.
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":0,"id":"c","function":{"name":"h","arguments":"{}"}}]}}]})",
      // No id: made up. No index: the latest call.
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"index":5,"function":{"name":"k","arguments":"{\"z\""}}]}}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[
          {"function":{"arguments":":3}"}}]}}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":"after"},"finish_reason":"tool_calls"}]})",
  });
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(blocks[0].id, "a");
  EXPECT_EQ(blocks[0].text, R"({"x":1})");
  EXPECT_EQ(blocks[1].id, "b");
  EXPECT_EQ(blocks[1].name, "g");
  EXPECT_EQ(blocks[1].text, R"({"y":2})");
  EXPECT_EQ(blocks[2].id, "c");
  EXPECT_EQ(blocks[2].text, "{}");
  EXPECT_TRUE(blocks[3].id.starts_with("toolu_")) << blocks[3].id;
  EXPECT_EQ(blocks[3].name, "k");
  EXPECT_EQ(blocks[3].text, R"({"z":3})");
  EXPECT_EQ(blocks[4].type, "text");
  EXPECT_EQ(blocks[4].text, "after");
}

TEST(AnthropicResponseTest, AnErrorBodyUnderStatus200IsAnError) {
  for (Translation translation : {Translation::kMessagesToChat, Translation::kChatToMessages}) {
    Collector sink;
    TranslatingOutput output(&sink, translation, false, 0);
    v1::CallResponse head;
    head.mutable_head()->set_status(200);
    output.Emit(head);
    v1::CallResponse data;
    data.set_data(translation == Translation::kMessagesToChat
                      ? R"({"error":{"message":"model overloaded","type":"server_error"}})"
                      : R"({"type":"error","error":{"type":"api_error","message":"boom"}})");
    output.Emit(data);
    EXPECT_EQ(sink.head.status(), 502);
    Json body = Json::parse(sink.data);
    if (translation == Translation::kMessagesToChat) {
      EXPECT_EQ(body["type"], "error") << sink.data;
      EXPECT_EQ(body["error"]["message"], "model overloaded") << sink.data;
    } else {
      EXPECT_EQ(body["error"]["message"], "boom") << sink.data;
    }
  }
}

TEST(AnthropicResponseTest, ToolArgumentsCutShortAreNotRunWithAnEmptyInput) {
  Json message = ChatCompletionToMessage(Json::parse(R"({"id":"c","choices":[{"index":0,
      "finish_reason":"tool_calls","message":{"role":"assistant","content":"Let me look.",
      "tool_calls":[{"id":"ok","type":"function","function":{"name":"f","arguments":""}},
                    {"id":"cut","type":"function","function":{"name":"g",
                     "arguments":"{\"path\": \"/tm"}}]}}]})"));
  EXPECT_EQ(message["stop_reason"], "max_tokens") << message.dump();
  ASSERT_EQ(message["content"].size(), 2u) << message.dump();
  EXPECT_EQ(message["content"][1]["id"], "ok");
  EXPECT_EQ(message["content"][1]["input"], Json::object());
}

TEST(AnthropicStreamTest, AStreamCutBeforeDoneStillEndsTheMessage) {
  std::string sse =
      "data: "
      "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}"
      "\n\n";
  std::string out = TranslateStream(Translation::kMessagesToChat, sse, sse.size(), false);
  EXPECT_NE(out.find("event: content_block_stop"), std::string::npos);
  EXPECT_TRUE(out.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
}

TEST(AnthropicStreamTest, UpstreamErrorEventsChangeShape) {
  std::string out = TranslateStream(
      Translation::kMessagesToChat,
      "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n", 1000, false);
  EXPECT_NE(out.find("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                     "\"message\":\"boom\"}}"),
            std::string::npos)
      << out;
  out = TranslateStream(Translation::kChatToMessages,
                        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                        "\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
                        1000, false);
  EXPECT_NE(out.find("\"message\":\"Overloaded\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"type\":\"overloaded_error\""), std::string::npos) << out;
}

TEST(AnthropicResponseTest, ErrorBodiesChangeShape) {
  Collector sink;
  TranslatingOutput output(&sink, Translation::kMessagesToChat, false, 0);
  v1::CallResponse head;
  head.mutable_head()->set_status(429);
  output.Emit(head);
  v1::CallResponse data;
  data.set_data(
      R"({"error":{"message":"slow down","type":"rate_limit","param":null,"code":null}})");
  output.Emit(data);
  EXPECT_EQ(sink.data,
            R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})");
  EXPECT_EQ(sink.head.content_type(), "application/json");
}

// Refusals: each names the field, and nothing is produced to send upstream.
void ExpectRefused(const absl::StatusOr<Json>& result, const std::string& field) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorParam(result.status()), field) << result.status();
}

absl::StatusOr<Json> ToChat(const Json& messages) {
  return MessagesToChat(messages, /*stream_usage=*/true);
}

// Missing and mistyped fields of every block type: a refusal naming the field, never a crash
// (a const operator[] on a missing key is undefined behaviour).
TEST(AnthropicRefusalTest, MissingOrMistypedMessagesFieldsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"system":[{"type":"text"}]})", "system[0].text"},
      {R"({"system":[{"type":"text","text":5}]})", "system[0].text"},
      {R"({"system":[7]})", "system[0]"},
      {R"({"system":[{"text":"x"}]})", "system[0].type"},
      {R"({"system":5})", "system"},
      {R"({"messages":{}})", "messages"},
      {R"({"messages":[5]})", "messages[0]"},
      {R"({"messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"messages":[{"role":"user"}]})", "messages[0].content"},
      {R"({"messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"messages":[{"role":"user","content":[{}]}]})", "messages[0].content[0].type"},
      {R"({"messages":[{"role":"user","content":[{"type":5}]}]})", "messages[0].content[0].type"},
      {R"({"messages":[{"role":"user","content":[{"type":"text","text":null}]}]})",
       "messages[0].content[0].text"},
      {R"({"messages":[{"role":"user","content":[{"type":"image"}]}]})",
       "messages[0].content[0].source"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":"x"}]}]})",
       "messages[0].content[0].source"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":{}}]}]})",
       "messages[0].content[0].source.type"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64",
          "data":"AA"}}]}]})",
       "messages[0].content[0].source.media_type"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64",
          "media_type":"image/png","data":3}}]}]})",
       "messages[0].content[0].source.data"},
      {R"({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url"}}]}]})",
       "messages[0].content[0].source.url"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"f"}]}]})",
       "messages[0].content[0].id"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":1}]}]})",
       "messages[0].content[0].name"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f",
          "input":"x"}]}]})",
       "messages[0].content[0].input"},
      {R"({"messages":[{"role":"user","content":[{"type":"tool_result"}]}]})",
       "messages[0].content[0].tool_use_id"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f"}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":5}]}]})",
       "messages[1].content[0].content"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f"}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
           "content":[{"type":"text"}]}]}]})",
       "messages[1].content[0].content[0].text"},
      {R"({"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f"}]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
           "content":[{"type":"image"}]}]}]})",
       "messages[1].content[0].content[0].type"},
      {R"({"messages":[],"tools":{}})", "tools"},
      {R"({"messages":[],"tools":[5]})", "tools[0]"},
      {R"({"messages":[],"tools":[{"description":"d"}]})", "tools[0].name"},
      {R"({"messages":[],"tools":[{"name":"f","description":5}]})", "tools[0].description"},
      {R"({"messages":[],"tools":[{"name":"f","input_schema":"x"}]})", "tools[0].input_schema"},
      {R"({"messages":[],"tool_choice":"auto"})", "tool_choice.type"},
      {R"({"messages":[],"tool_choice":{"type":"tool"}})", "tool_choice.type"},
      {R"({"messages":[],"metadata":"u"})", "metadata"},
      {R"({"messages":[],"thinking":"on"})", "thinking"},
      {R"({"messages":[],"max_tokens":"5"})", "max_tokens"},
      {R"({"messages":[],"temperature":"hot"})", "temperature"},
      {R"({"messages":[],"stop_sequences":"x"})", "stop_sequences"},
      {R"({"messages":[],"stop_sequences":[1]})", "stop_sequences"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    ExpectRefused(ToChat(Json::parse(body)), field);
  }
}

TEST(AnthropicRefusalTest, MissingOrMistypedChatFieldsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"messages":5})", "messages"},
      {R"({"messages":[5]})", "messages[0]"},
      {R"({"messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"messages":[{"role":"user","content":[5]}]})", "messages[0].content[0]"},
      {R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})",
       "messages[0].content[0].text"},
      {R"({"messages":[{"role":"system","content":[{"type":"text","text":1}]}]})",
       "messages[0].content[0].text"},
      {R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
       "messages[0].content[0].image_url.url"},
      {R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":5}]}]})",
       "messages[0].content[0].image_url.url"},
      {R"({"messages":[{"role":"assistant","tool_calls":{}}]})", "messages[0].tool_calls"},
      {R"({"messages":[{"role":"assistant","tool_calls":[5]}]})", "messages[0].tool_calls[0].id"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c"}]}]})",
       "messages[0].tool_calls[0].function.name"},
      {R"({"messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f",
          "arguments":{"a":1}}}]}]})",
       "messages[0].tool_calls[0].function.arguments"},
      {R"({"messages":[{"role":"tool","content":"x"}]})", "messages[0].tool_call_id"},
      {R"({"messages":[],"tools":5})", "tools"},
      {R"({"messages":[],"tools":[{"type":"function"}]})", "tools[0].function.name"},
      {R"({"messages":[],"tools":[{"function":{"name":"f"}}]})", "tools[0].type"},
      {R"({"messages":[],"tools":[{"type":"function","function":{"name":"f","parameters":1}}]})",
       "tools[0].function.parameters"},
      {R"({"messages":[],"tools":[{"type":"function","function":{"name":"f","description":1}}]})",
       "tools[0].function.description"},
      {R"({"messages":[],"tool_choice":{"type":"function"}})", "tool_choice"},
      {R"({"messages":[],"tool_choice":5})", "tool_choice"},
      {R"({"messages":[],"temperature":"hot"})", "temperature"},
      {R"({"messages":[],"stop":5})", "stop"},
      {R"({"messages":[],"stop":[5]})", "stop"},
  };
  for (const auto& [body, field] : cases) {
    SCOPED_TRACE(body);
    ExpectRefused(ChatToMessages(Json::parse(body)), field);
  }
}

TEST(AnthropicRefusalTest, MessagesThatCannotBecomeChat) {
  ExpectRefused(ToChat(Json::parse(
                    R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
                       {"type":"document","source":{"type":"text","data":"x"}}]}]})")),
                "messages[0].content[0].type");
  ExpectRefused(ToChat(Json::parse(
                    R"({"model":"m","messages":[{"role":"user","content":[
                       {"type":"tool_result","tool_use_id":"toolu_x","content":"r"}]}]})")),
                "messages[0].content[0].tool_use_id");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[{"role":"user",
                       "content":[{"type":"text"}]}]})")),
                "messages[0].content[0].text");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[{"role":"user",
                       "content":[42]}]})")),
                "messages[0].content[0]");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[],
                       "tools":[{"type":"web_search_20250305","name":"web_search"}]})")),
                "tools[0].type");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[],"container":"c"})")), "container");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[{"role":"system",
                       "content":"x"}]})")),
                "messages[0].role");
}

// What chat/completions cannot express is refused, never dropped silently.
TEST(AnthropicRefusalTest, UntranslatedMessagesFieldsAreRefused) {
  ExpectRefused(
      ToChat(Json::parse(R"({"model":"m","messages":[],"service_tier":"standard_only"})")),
      "service_tier");
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[],"top_k":5})")), "top_k");
  EXPECT_TRUE(ToChat(Json::parse(R"({"model":"m","messages":[],"service_tier":"auto"})")).ok());
  ExpectRefused(ToChat(Json::parse(R"({"model":"m","messages":[
      {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x",
                                 "is_error":"yes"}]}]})")),
                "messages[1].content[0].is_error");
}

TEST(AnthropicRefusalTest, ToolResultErrorsAreMarkedInTheToolMessage) {
  auto chat = ToChat(Json::parse(R"({"model":"m","messages":[
      {"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{}},
                                     {"type":"tool_use","id":"u","name":"f","input":{}}]},
      {"role":"user","content":[
          {"type":"tool_result","tool_use_id":"t","content":"no such file","is_error":true},
          {"type":"tool_result","tool_use_id":"u","content":"fine","is_error":false}]}]})"));
  ASSERT_TRUE(chat.ok()) << chat.status();
  const Json& messages = (*chat)["messages"];
  ASSERT_EQ(messages.size(), 3u) << messages.dump();
  EXPECT_EQ(messages[1]["content"], "[tool error] no such file");
  EXPECT_EQ(messages[2]["content"], "fine");
}

TEST(AnthropicRefusalTest, ThinkingIsOffInsideAToolLoop) {
  Json chat = Json::parse(R"({"model":"m","reasoning_effort":"high","messages":[
      {"role":"user","content":"list files"}]})");
  auto first = ChatToMessages(chat);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)["thinking"]["type"], "enabled");
  chat["messages"].push_back(Json::parse(R"({"role":"assistant","content":null,"tool_calls":[
      {"id":"c","type":"function","function":{"name":"ls","arguments":"{}"}}]})"));
  chat["messages"].push_back(Json::parse(R"({"role":"tool","tool_call_id":"c","content":"a"})"));
  auto second = ChatToMessages(chat);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->contains("thinking")) << second->dump();
}

TEST(AnthropicRefusalTest, ChatMessageFieldsWithoutEquivalentAreRefused) {
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"user","content":"x",
                                     "name":"bob"}]})")),
                "messages[0].name");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"assistant",
                                     "function_call":{"name":"f","arguments":"{}"}}]})")),
                "messages[0].function_call");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"assistant",
                                     "audio":{"id":"a"}}]})")),
                "messages[0].audio");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"assistant",
                                     "refusal":"I can't"}]})")),
                "messages[0].refusal");
  EXPECT_TRUE(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"assistant",
                                     "content":"x","refusal":null,"audio":null}]})"))
                  .ok());
}

TEST(AnthropicRefusalTest, ChatThatCannotBecomeMessages) {
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[],"n":2})")), "n");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[],"logprobs":true})")),
                "logprobs");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[
                       {"role":"tool","tool_call_id":"call_9","content":"x"}]})")),
                "messages[0].tool_call_id");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"assistant",
                       "tool_calls":[{"id":"c","type":"function","function":{"name":"f",
                       "arguments":"{not json"}}]}]})")),
                "messages[0].tool_calls[0].function.arguments");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[{"role":"user",
                       "content":[{"type":"input_audio","input_audio":{}}]}]})")),
                "messages[0].content[0].type");
  ExpectRefused(ChatToMessages(Json::parse(R"({"model":"m","messages":[],
                       "response_format":{"type":"json_schema"}})")),
                "response_format");
}

TEST(AnthropicUsageTest, SummaryFromEventsAndMessages) {
  v1::CallSummary summary;
  ReadAnthropicSummary(nlohmann::json::parse(R"({"type":"message_start","message":{"usage":
      {"input_tokens":10,"cache_read_input_tokens":90,"cache_creation_input_tokens":5,
       "output_tokens":1}}})"),
                       &summary);
  ReadAnthropicSummary(nlohmann::json::parse(R"({"type":"message_delta","delta":
      {"stop_reason":"tool_use"},"usage":{"output_tokens":7}})"),
                       &summary);
  EXPECT_EQ(summary.usage().prompt_tokens(), 105);
  EXPECT_EQ(summary.usage().completion_tokens(), 7);
  EXPECT_EQ(summary.usage().total_tokens(), 112);
  EXPECT_EQ(summary.finish_reason(), "tool_calls");
  EXPECT_NE(summary.usage().details_json().find("\"cached_tokens\":90"), std::string::npos);
}

TEST(AnthropicCountTokensTest, EstimateGrowsWithTextAndImages) {
  Json small = Json::parse(R"({"messages":[{"role":"user","content":"12345678"}]})");
  EXPECT_EQ(EstimateInputTokens(small), 3);  // "user" + "12345678": 12 bytes
  Json image = Json::parse(R"({"messages":[{"role":"user","content":[{"type":"image",
      "source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]}]})");
  EXPECT_EQ(EstimateInputTokens(image), 1601);  // "user" and one image
  EXPECT_EQ(EstimateInputTokens(Json::object()), 1);
}

std::shared_ptr<const RouterConfig> TwoProtocols() {
  auto config = std::make_shared<RouterConfig>();
  config->providers["claude"] = ProviderConfig{
      .alias = "claude", .type = ProviderType::kAnthropic, .url = "http://a/v1", .api_key = "sk-a"};
  config->providers["oa"] = ProviderConfig{.alias = "oa", .url = "http://o/v1", .api_key = "sk-o"};
  return config;
}

v1::CallRequest Request(std::string endpoint, std::string body) {
  v1::CallRequest request;
  request.set_endpoint(std::move(endpoint));
  request.set_body(std::move(body));
  return request;
}

std::string HeaderOf(const HttpRequest& http, std::string_view name) {
  for (const auto& [k, v] : http.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST(AnthropicCallTest, SameProtocolPassesTheBytesWithAnthropicHeaders) {
  auto request = Request("messages", R"({"model" : "[claude]c-1", "max_tokens":5, "x":[1.50]})");
  (*request.mutable_client_headers())["anthropic-beta"] = "b1";
  auto call = PrepareCall(TwoProtocols(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->http.body, R"({"model" : "c-1", "max_tokens":5, "x":[1.50]})");
  EXPECT_EQ(call->http.url, "http://a/v1/messages");
  EXPECT_EQ(call->translation, Translation::kNone);
  EXPECT_EQ(HeaderOf(call->http, "x-api-key"), "sk-a");
  EXPECT_EQ(HeaderOf(call->http, "Authorization"), "<none>");
  EXPECT_EQ(HeaderOf(call->http, "anthropic-version"), kDefaultAnthropicVersion);
  EXPECT_EQ(HeaderOf(call->http, "anthropic-beta"), "b1");
  // The client's version wins.
  (*request.mutable_client_headers())["anthropic-version"] = "2099-01-01";
  call = PrepareCall(TwoProtocols(), request);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(HeaderOf(call->http, "anthropic-version"), "2099-01-01");
}

TEST(AnthropicCallTest, CrossProtocolCallsAreTranslated) {
  auto call = PrepareCall(TwoProtocols(),
                          Request("messages", R"({"model":"[oa]g","max_tokens":5,"stream":true,
                                                  "messages":[{"role":"user","content":"hi"}]})"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->translation, Translation::kMessagesToChat);
  EXPECT_EQ(call->http.url, "http://o/v1/chat/completions");
  EXPECT_FALSE(call->hide_usage_chunk);  // the translator needs the usage chunk
  EXPECT_EQ(ParseUntrustedJson<Json>(call->http.body)["stream_options"]["include_usage"], true);
  EXPECT_EQ(HeaderOf(call->http, "Authorization"), "Bearer sk-o");
  call = PrepareCall(TwoProtocols(), Request("chat/completions",
                                             R"({"model":"[claude]c","stream":true,"stream_options":
                 {"include_usage":true},"messages":[{"role":"user","content":"hi"}]})"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->translation, Translation::kChatToMessages);
  EXPECT_TRUE(call->include_usage);
  EXPECT_EQ(call->http.url, "http://a/v1/messages");
  EXPECT_EQ(ParseUntrustedJson<Json>(call->http.body)["model"], "c");
}

// stream_usage: false exists because some servers reject stream_options.
TEST(AnthropicCallTest, StreamOptionsOnlyWhenTheProviderTakesThem) {
  auto config = std::make_shared<RouterConfig>(*TwoProtocols());
  config->providers["oa"].stream_usage = false;
  auto call = PrepareCall(config, Request("messages", R"({"model":"[oa]g","max_tokens":5,
                          "stream":true,"messages":[{"role":"user","content":"hi"}]})"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->translation, Translation::kMessagesToChat);
  Json body = ParseUntrustedJson<Json>(call->http.body);
  EXPECT_EQ(body["stream"], true);
  EXPECT_FALSE(body.contains("stream_options")) << call->http.body;
}

TEST(AnthropicCallTest, CountTokensIsEstimatedLocallyAndRefusalsNameTheField) {
  auto call =
      PrepareCall(TwoProtocols(),
                  Request("messages/count_tokens",
                          R"({"model":"[oa]g","messages":[{"role":"user","content":"abcd"}]})"));
  ASSERT_TRUE(call.ok()) << call.status();
  ASSERT_TRUE(call->local_answer.has_value());
  EXPECT_EQ(*call->local_answer, R"({"input_tokens":2})");
  call = PrepareCall(TwoProtocols(), Request("messages/count_tokens", R"({"model":"[claude]c"})"));
  ASSERT_TRUE(call.ok());
  EXPECT_FALSE(call->local_answer.has_value());
  EXPECT_EQ(call->http.url, "http://a/v1/messages/count_tokens");
  auto refused = PrepareCall(TwoProtocols(), Request("embeddings", R"({"model":"[claude]c"})"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  refused = PrepareCall(TwoProtocols(),
                        Request("messages", R"({"model":"[oa]g","messages":[{"role":"user",
                                   "content":[{"type":"bogus"}]}]})"));
  EXPECT_EQ(ErrorParam(refused.status()), "messages[0].content[0].type");
}

}  // namespace
}  // namespace llmsrouter::router::anthropic
