#include "services/router/call_trace.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"

namespace llmsrouter::router {
namespace {

v1::CallResponse Head(int status) {
  v1::CallResponse m;
  m.mutable_head()->set_status(status);
  m.mutable_head()->set_provider("p");
  m.mutable_head()->set_upstream_model("m");
  return m;
}

v1::CallResponse Data(std::string d) {
  v1::CallResponse m;
  m.set_data(std::move(d));
  return m;
}

TEST(CallTraceTest, AssemblesStreamedTextReasoningAndToolCalls) {
  v1::CallRequest request;
  request.set_request_id("r1");
  request.set_endpoint("chat/completions");
  request.set_body(R"({"model":"[p]m","stream":true,"temperature":0.5,"user":"u",
                       "messages":[{"role":"user","content":"q"}],"tools":[{"type":"function"}]})");
  FakeClock clock;
  CallTrace trace(request, clock, true);
  trace.Observe(Head(200));
  trace.Observe(Data(
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\",\"reasoning_content\":\"th\"}}]}\n\n"
      "data: "
      "{\"choices\":[{\"delta\":{\"content\":\"lo\",\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
      "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\n"));
  trace.Observe(
      Data("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
           "{\"arguments\":\":1}\"}}]}}]}\n\ndata: [DONE]\n\n"));
  auto event = trace.Finish(absl::OkStatus());
  auto output = nlohmann::json::parse(event.output_json());
  EXPECT_EQ(output["content"], "Hello");
  EXPECT_EQ(output["reasoning_content"], "th");
  EXPECT_EQ(output["tool_calls"][0]["id"], "c1");
  EXPECT_EQ(output["tool_calls"][0]["function"]["arguments"], "{\"a\":1}");
  EXPECT_EQ(nlohmann::json::parse(event.model_parameters_json()),
            (nlohmann::json{{"temperature", 0.5}}));
  EXPECT_EQ(nlohmann::json::parse(event.input_json())["tools"][0]["type"], "function");
  EXPECT_EQ(event.user(), "u");
  EXPECT_EQ(event.status(), 200);
  EXPECT_EQ(event.provider(), "p");
}

TEST(CallTraceTest, StreamedChunksAreReadExactlyWhateverTheirShape) {
  v1::CallRequest request;
  request.set_body(R"({"model":"[p]m","stream":true})");
  FakeClock clock;
  CallTrace trace(request, clock, true);
  trace.Observe(Head(200));
  trace.Observe(Data(
      // escapes, a null content, a second choice (not the first: ignored), keys in any order
      "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
      "\"content\":\"caf\\u00e9 \\\"q\\\"\\n\"}},{\"delta\":{\"content\":\"OTHER\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":null,\"reasoning_content\":\"r\"}}]}\n\n"
      // malformed and non-object events contribute nothing and never throw
      "data: {\"choices\":[{\"delta\":{\"content\":\n\n"
      "data: [1,2]\n\n"
      "data: {\"choices\":\"no\"}\n\n"
      "data: {\"choices\":[{\"finish_reason\":\"stop\",\"delta\":{\"content\":\"!\"}}]}\n\n"));
  auto output = nlohmann::json::parse(trace.Finish(absl::OkStatus()).output_json());
  EXPECT_EQ(output["content"], "caf\u00e9 \"q\"\n!");
  EXPECT_EQ(output["reasoning_content"], "r");
}

TEST(CallTraceTest, LegacyCompletionChunksAddTheirText) {
  v1::CallRequest request;
  request.set_endpoint("completions");
  request.set_body(R"({"model":"[p]m","stream":true,"prompt":"p"})");
  FakeClock clock;
  CallTrace trace(request, clock, true);
  trace.Observe(Head(200));
  trace.Observe(Data(
      "data: {\"choices\":[{\"text\":\"ab\"}]}\n\ndata: {\"choices\":[{\"text\":\"c\"}]}\n\n"));
  auto output = nlohmann::json::parse(trace.Finish(absl::OkStatus()).output_json());
  EXPECT_EQ(output["content"], "abc");
}

TEST(CallTraceTest, PrivacyModeKeepsNoContentAndErrorsAreRecorded) {
  v1::CallRequest request;
  request.set_body(R"({"model":"[p]m","messages":[{"role":"user","content":"secret"}]})");
  FakeClock clock;
  CallTrace trace(request, clock, false);
  trace.Observe(Head(500));
  trace.Observe(Data(R"({"error":{"message":"boom"}})"));
  auto event = trace.Finish(absl::OkStatus());
  EXPECT_EQ(event.input_json(), "");
  EXPECT_EQ(event.output_json(), "");
  EXPECT_EQ(event.status(), 500);
  EXPECT_FALSE(event.error().empty());
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST(CallTraceTest, FieldsOfTheWrongTypeNeverThrow) {
  v1::CallRequest request;
  request.set_body(
      R"({"model":5,"stream":"yes","metadata":{"tags":"x","session_id":3},"user":[1]})");
  FakeClock clock;
  CallTrace trace(request, clock, true);
  trace.Observe(Head(200));
  trace.Observe(Data(R"({"choices":[{"message":7}],"usage":{"total_tokens":"many"}})"));
  auto event = trace.Finish(absl::OkStatus());
  EXPECT_EQ(event.requested_model(), "");
  EXPECT_FALSE(event.stream());
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST(CallTraceBinaryTest, RawAnswersAreNeverQuotedInTheTrace) {
  v1::CallRequest request;
  request.set_endpoint("audio/speech");
  request.set_body(R"({"model":"[p]tts-1","input":"hello","voice":"alloy"})");
  FakeClock clock;
  CallTrace trace(request, clock, true);
  v1::CallResponse head;
  head.mutable_head()->set_status(200);
  head.mutable_head()->set_stream(true);
  head.mutable_head()->set_content_type("audio/mpeg");
  trace.Observe(head);
  v1::CallResponse data;
  data.set_data(std::string("\xff\xfb\x90\x00 not text", 13));
  trace.Observe(data);
  auto event = trace.Finish(absl::OkStatus());
  EXPECT_EQ(event.output_json().find("not text"), std::string::npos) << event.output_json();
  EXPECT_EQ(event.status(), 200);
}

}  // namespace
}  // namespace llmsrouter::router
