// Usage as OpenAI-compatible answers report it: Chat Completions names, and the Responses
// API's (whole response objects and the response.completed stream event).
#include "services/router/openai_usage.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

using Json = nlohmann::json;

v1::Usage Read(const char* text) {
  v1::Usage usage;
  ReadOpenAiUsage(Json::parse(text), &usage);
  return usage;
}

TEST(ReadOpenAiUsageTest, ChatCompletionsUsage) {
  v1::Usage u = Read(R"({"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5,
      "total_tokens":16,"prompt_tokens_details":{"cached_tokens":4}}})");
  EXPECT_EQ(u.prompt_tokens(), 11);
  EXPECT_EQ(u.completion_tokens(), 5);
  EXPECT_EQ(u.total_tokens(), 16);
  EXPECT_EQ(Json::parse(u.details_json()),
            Json::parse(R"({"prompt_tokens_details":{"cached_tokens":4}})"));
}

TEST(ReadOpenAiUsageTest, ResponsesObjectUsageUnderChatNames) {
  v1::Usage u = Read(R"({"object":"response","usage":{"input_tokens":7,"output_tokens":3,
      "total_tokens":10,"input_tokens_details":{"cached_tokens":2},
      "output_tokens_details":{"reasoning_tokens":1}}})");
  EXPECT_EQ(u.prompt_tokens(), 7);
  EXPECT_EQ(u.completion_tokens(), 3);
  EXPECT_EQ(u.total_tokens(), 10);
  EXPECT_EQ(Json::parse(u.details_json()),
            Json::parse(R"({"prompt_tokens_details":{"cached_tokens":2},
                            "completion_tokens_details":{"reasoning_tokens":1}})"));
}

TEST(ReadOpenAiUsageTest, ResponseCompletedEventCarriesItInsideResponse) {
  v1::Usage u = Read(R"({"type":"response.completed","sequence_number":9,"response":{
      "id":"resp_1","status":"completed","usage":{"input_tokens":12,"output_tokens":4,
      "total_tokens":16}}})");
  EXPECT_EQ(u.prompt_tokens(), 12);
  EXPECT_EQ(u.completion_tokens(), 4);
  EXPECT_EQ(u.total_tokens(), 16);
  EXPECT_EQ(u.details_json(), "");
}

TEST(ReadOpenAiUsageTest, NoUsageObjectLeavesTheUsageAsItWas) {
  v1::Usage u;
  u.set_prompt_tokens(5);
  for (const char* text : {R"({"type":"response.created","response":{"usage":null}})",
                           R"({"usage":null})", R"({"usage":"many"})", R"({"response":7})",
                           R"([1,2])", R"({"type":"response.output_text.delta","delta":"x"})"}) {
    ReadOpenAiUsage(Json::parse(text), &u);
    EXPECT_EQ(u.prompt_tokens(), 5) << text;
  }
}

TEST(ReadOpenAiUsageTest, WrongTypedCountsReadAsZero) {
  v1::Usage u = Read(R"({"usage":{"input_tokens":"7","output_tokens":null}})");
  EXPECT_EQ(u.prompt_tokens(), 0);
  EXPECT_EQ(u.completion_tokens(), 0);
}

}  // namespace
}  // namespace llmsrouter::router
