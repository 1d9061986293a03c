// Chat answers translated into Messages: the stop sequence that ended them, the usage the
// SDKs read (input_tokens at message_start and exact in message_delta) and refusals.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/sse_parser.h"
#include "services/router/anthropic/chat_stream_to_events.h"
#include "services/router/anthropic/responses.h"
#include "services/router/anthropic/stop_sequence.h"

namespace llmsrouter::router::anthropic {
namespace {

const std::vector<std::string> kStops = {"END", "STOP HERE", "E"};

TEST(MatchedStopSequenceTest, TheServersOwnWordWins) {
  // vLLM names the stop string in the choice; SGLang in matched_stop.
  EXPECT_EQ(MatchedStopSequence(Json{{"stop_reason", "STOP HERE"}}, "text E", kStops), "STOP HERE");
  EXPECT_EQ(MatchedStopSequence(Json{{"matched_stop", "END"}}, "", kStops), "END");
  // A word that is not one of the request's (vLLM's token id, another string) is not trusted.
  EXPECT_EQ(MatchedStopSequence(Json{{"stop_reason", "other"}}, "x", kStops), "");
  EXPECT_EQ(MatchedStopSequence(Json{{"stop_reason", 128001}}, "x", kStops), "");
}

TEST(MatchedStopSequenceTest, TheLongestTheTextEndsWith) {
  EXPECT_EQ(MatchedStopSequence(Json::object(), "and then END", kStops), "END");
  EXPECT_EQ(MatchedStopSequence(Json::object(), "and then THE", kStops), "E");
  EXPECT_EQ(MatchedStopSequence(Json::object(), "ENDING", kStops), "");
  EXPECT_EQ(MatchedStopSequence(Json::object(), "END", {}), "");
  EXPECT_EQ(MatchedStopSequence(Json::object(), "x", {""}), "");
}

TEST(TextTailTest, KeepsAsManyBytesAsTheLongestStop) {
  TextTail tail(kStops);
  for (const char* piece : {"hello ", "wor", "ld ST", "OP", " HE", "RE"}) tail.Append(piece);
  EXPECT_EQ(tail.text(), "STOP HERE");
  tail.Append("a much longer piece than any stop");
  EXPECT_EQ(tail.text(), " any stop");
  TextTail none({});
  none.Append("text");
  EXPECT_EQ(none.text(), "");
}

struct Event {
  std::string type;
  Json data;
};

// Feeds `chunks` (chat.completion.chunk objects) and returns the Anthropic events.
std::vector<Event> Translate(const std::vector<Json>& chunks, MessagesRequestFacts facts) {
  ChatStreamToEvents translator(std::move(facts));
  std::string out;
  for (const Json& chunk : chunks) translator.Feed(chunk.dump(), &out);
  translator.Feed("[DONE]", &out);
  std::vector<Event> events;
  SseParser parser;
  parser.Feed(out, [&](std::string_view, std::string_view data) {
    Json event = Json::parse(data);
    events.push_back({event["type"].get<std::string>(), event});
  });
  return events;
}

Json TextChunk(const std::string& text) {
  return {
      {"id", "c"}, {"model", "m"}, {"choices", {{{"index", 0}, {"delta", {{"content", text}}}}}}};
}

Json FinishChunk(const std::string& reason, Json extra = Json::object()) {
  Json choice = {{"index", 0}, {"delta", Json::object()}, {"finish_reason", reason}};
  choice.update(extra);
  return {{"id", "c"}, {"model", "m"}, {"choices", {choice}}};
}

const Json& Find(const std::vector<Event>& events, const std::string& type) {
  for (const Event& event : events) {
    if (event.type == type) return event.data;
  }
  ADD_FAILURE() << "no " << type;
  static const Json kNone;
  return kNone;
}

TEST(ChatStreamToEventsTest, InputTokensEstimatedAtStartAndExactAtTheEnd) {
  Json usage_chunk = {{"id", "c"},
                      {"choices", Json::array()},
                      {"usage",
                       {{"prompt_tokens", 40},
                        {"completion_tokens", 3},
                        {"prompt_tokens_details", {{"cached_tokens", 8}}}}}};
  auto events =
      Translate({TextChunk("hi"), FinishChunk("stop"), usage_chunk}, {.input_tokens_estimate = 37});
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, "message_start");
  EXPECT_EQ(events.front().data["message"]["usage"]["input_tokens"], 37);
  const Json& delta = Find(events, "message_delta");
  EXPECT_EQ(delta["usage"]["input_tokens"], 32);  // 40 prompt tokens, 8 of them cached
  EXPECT_EQ(delta["usage"]["cache_read_input_tokens"], 8);
  EXPECT_EQ(delta["usage"]["output_tokens"], 3);
}

TEST(ChatStreamToEventsTest, WithoutUpstreamUsageTheEstimateIsNotOverwritten) {
  auto events = Translate({TextChunk("hi"), FinishChunk("stop")}, {.input_tokens_estimate = 5});
  EXPECT_EQ(events.front().data["message"]["usage"]["input_tokens"], 5);
  const Json& delta = Find(events, "message_delta");
  // The SDKs overwrite input_tokens only when message_delta carries it.
  EXPECT_FALSE(delta["usage"].contains("input_tokens")) << delta.dump();
  EXPECT_EQ(delta["usage"]["output_tokens"], 0);
}

TEST(ChatStreamToEventsTest, StopSequenceFromTheEndOfTheStreamedText) {
  // The stop string split over chunks, as a server keeping it in the output sends it.
  auto events =
      Translate({TextChunk("one two S"), TextChunk("TOP"), TextChunk(" HERE"), FinishChunk("stop")},
                {.stop_sequences = kStops});
  const Json& delta = Find(events, "message_delta")["delta"];
  EXPECT_EQ(delta["stop_reason"], "stop_sequence");
  EXPECT_EQ(delta["stop_sequence"], "STOP HERE");
}

TEST(ChatStreamToEventsTest, StopSequenceNamedByTheServer) {
  auto events = Translate({TextChunk("one two"), FinishChunk("stop", {{"stop_reason", "END"}})},
                          {.stop_sequences = kStops});
  const Json& delta = Find(events, "message_delta")["delta"];
  EXPECT_EQ(delta["stop_reason"], "stop_sequence");
  EXPECT_EQ(delta["stop_sequence"], "END");
}

TEST(ChatStreamToEventsTest, NoStopSequenceWhenItCannotBeKnown) {
  // A natural end, a stop sequence only matching mid-text, and a length cut after one.
  for (const auto& [text, reason, expected] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"the END of it", "stop", "end_turn"},
           {"cut at END", "length", "max_tokens"},
           {"no stops asked END", "stop", "end_turn"}}) {
    MessagesRequestFacts facts;
    if (text != "no stops asked END") facts.stop_sequences = kStops;
    auto events = Translate({TextChunk(text), FinishChunk(reason)}, facts);
    const Json& delta = Find(events, "message_delta")["delta"];
    EXPECT_EQ(delta["stop_reason"], expected) << text;
    EXPECT_TRUE(delta["stop_sequence"].is_null()) << text;
  }
}

TEST(ChatStreamToEventsTest, RefusalStreamsAsTextWithStopReasonRefusal) {
  Json refusal = {
      {"id", "c"},
      {"choices", {{{"index", 0}, {"delta", {{"refusal", "I can't help with that."}}}}}}};
  auto events = Translate({refusal, FinishChunk("stop")}, {});
  std::string text;
  for (const Event& event : events) {
    if (event.type == "content_block_delta") text += event.data["delta"]["text"];
  }
  EXPECT_EQ(text, "I can't help with that.");
  EXPECT_EQ(Find(events, "message_delta")["delta"]["stop_reason"], "refusal");
}

Json Completion(Json message, const std::string& finish, Json extra = Json::object()) {
  Json choice = {{"index", 0}, {"message", std::move(message)}, {"finish_reason", finish}};
  choice.update(extra);
  return {{"id", "c"}, {"model", "m"}, {"choices", {choice}}};
}

TEST(ChatCompletionToMessageTest, StopSequence) {
  Json by_text =
      ChatCompletionToMessage(Completion({{"role", "assistant"}, {"content", "a b END"}}, "stop"),
                              {.stop_sequences = kStops});
  EXPECT_EQ(by_text["stop_reason"], "stop_sequence");
  EXPECT_EQ(by_text["stop_sequence"], "END");
  Json by_server = ChatCompletionToMessage(
      Completion({{"role", "assistant"}, {"content", "a b"}}, "stop", {{"stop_reason", "E"}}),
      {.stop_sequences = kStops});
  EXPECT_EQ(by_server["stop_reason"], "stop_sequence");
  EXPECT_EQ(by_server["stop_sequence"], "E");
  Json natural = ChatCompletionToMessage(
      Completion({{"role", "assistant"}, {"content", "a b"}}, "stop"), {.stop_sequences = kStops});
  EXPECT_EQ(natural["stop_reason"], "end_turn");
  EXPECT_TRUE(natural["stop_sequence"].is_null());
  Json cut =
      ChatCompletionToMessage(Completion({{"role", "assistant"}, {"content", "a END"}}, "length"),
                              {.stop_sequences = kStops});
  EXPECT_EQ(cut["stop_reason"], "max_tokens");
  EXPECT_TRUE(cut["stop_sequence"].is_null());
}

TEST(ChatCompletionToMessageTest, UsageExactOrElseTheEstimate) {
  Json completion = Completion({{"role", "assistant"}, {"content", "a"}}, "stop");
  Json estimated = ChatCompletionToMessage(completion, {.input_tokens_estimate = 9});
  EXPECT_EQ(estimated["usage"]["input_tokens"], 9);
  completion["usage"] = {{"prompt_tokens", 4}, {"completion_tokens", 1}};
  Json exact = ChatCompletionToMessage(completion, {.input_tokens_estimate = 9});
  EXPECT_EQ(exact["usage"]["input_tokens"], 4);
  EXPECT_EQ(exact["usage"]["output_tokens"], 1);
}

TEST(ChatCompletionToMessageTest, RefusalIsTextWithStopReasonRefusal) {
  Json message = ChatCompletionToMessage(
      Completion({{"role", "assistant"}, {"content", nullptr}, {"refusal", "No."}}, "stop"));
  EXPECT_EQ(message["stop_reason"], "refusal");
  ASSERT_EQ(message["content"].size(), 1u);
  EXPECT_EQ(message["content"][0]["type"], "text");
  EXPECT_EQ(message["content"][0]["text"], "No.");
}

TEST(ChatCompletionToMessageTest, ContentAsAnArrayOfPartsIsText) {
  // As Mistral sends it: text parts (kept, joined) and thinking parts (not answer text).
  Json parts = Json::array({{{"type", "thinking"}, {"thinking", "hm"}},
                            {{"type", "text"}, {"text", "Hel"}},
                            {{"type", "text"}, {"text", "lo"}}});
  Json message =
      ChatCompletionToMessage(Completion({{"role", "assistant"}, {"content", parts}}, "stop"));
  ASSERT_EQ(message["content"].size(), 1u);
  EXPECT_EQ(message["content"][0]["text"], "Hello");
  Json chunk = {{"id", "c"},
                {"choices",
                 {{{"index", 0},
                   {"delta", {{"content", Json::array({{{"type", "text"}, {"text", "Hi"}}})}}}}}}};
  std::string text;
  for (const Event& event : Translate({chunk, FinishChunk("stop")}, {})) {
    if (event.type == "content_block_delta") text += event.data["delta"]["text"];
  }
  EXPECT_EQ(text, "Hi");
}

}  // namespace
}  // namespace llmsrouter::router::anthropic
