#include "services/tracer/otlp_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/tracer/exporters.h"

namespace llmsrouter::tracer {
namespace {

TEST(OtlpIdsTest, TraceIdsAreHexAndStable) {
  EXPECT_EQ(TraceIdFor("req_0123456789abcdef0123456789ABCDEF"), "0123456789abcdef0123456789abcdef");
  std::string hashed = TraceIdFor("client-id-1");
  EXPECT_EQ(hashed.size(), 32u);
  EXPECT_EQ(hashed, TraceIdFor("client-id-1"));
  EXPECT_NE(hashed, TraceIdFor("client-id-2"));
  EXPECT_EQ(SpanIdFor("x").size(), 16u);
  EXPECT_NE(SpanIdFor("x"), "0000000000000000");
}

TEST(OtlpJsonTest, SpanCarriesLangfuseAttributes) {
  v1::TraceEvent e;
  e.set_request_id("req_0123456789abcdef0123456789abcdef");
  e.set_endpoint("chat/completions");
  e.set_user("alice");
  e.set_upstream_model("gpt-4o");
  e.set_input_json(R"([{"role":"user","content":"hi"}])");
  e.mutable_usage()->set_prompt_tokens(3);
  e.mutable_usage()->set_completion_tokens(2);
  e.mutable_usage()->set_total_tokens(5);
  e.mutable_timings()->set_start_unix_us(1000000);
  e.mutable_timings()->set_first_token_unix_us(1500000);
  e.mutable_timings()->set_end_unix_us(2000000);
  e.set_status(200);
  auto doc = nlohmann::json::parse(BuildOtlpJson({e}, {}));
  const auto& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["traceId"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(span["startTimeUnixNano"], "1000000000");
  EXPECT_EQ(span["endTimeUnixNano"], "2000000000");
  EXPECT_EQ(span["status"]["code"], 1);
  std::map<std::string, nlohmann::json> attrs;
  for (const auto& a : span["attributes"]) attrs[a["key"]] = a["value"];
  EXPECT_EQ(attrs["langfuse.observation.type"]["stringValue"], "generation");
  EXPECT_EQ(attrs["langfuse.user.id"]["stringValue"], "alice");
  EXPECT_EQ(attrs["langfuse.observation.model.name"]["stringValue"], "gpt-4o");
  EXPECT_EQ(attrs["langfuse.observation.usage_details"]["stringValue"],
            R"({"input":3,"output":2,"total":5})");
  EXPECT_EQ(attrs["langfuse.observation.completion_start_time"]["stringValue"],
            "1970-01-01T00:00:01.500000Z");
  EXPECT_EQ(attrs["gen_ai.usage.input_tokens"]["intValue"], "3");
  EXPECT_EQ(attrs.count("langfuse.observation.cost_details"), 0u);  // unpriced
  e.set_cost_input_usd(0.25);
  e.set_cost_output_usd(0.5);
  auto priced = nlohmann::json::parse(BuildOtlpJson({e}, {}));
  bool found = false;
  for (const auto& a : priced["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]) {
    if (a["key"] != "langfuse.observation.cost_details") continue;
    found = true;
    EXPECT_EQ(a["value"]["stringValue"], R"({"input":0.25,"output":0.5,"total":0.75})");
  }
  EXPECT_TRUE(found);
}

TEST(OtlpJsonTest, FailedCallIsAnErrorSpan) {
  v1::TraceEvent e;
  e.set_request_id("r");
  e.set_status(404);
  e.set_error("unknown provider");
  auto doc = nlohmann::json::parse(BuildOtlpJson({e}, {}));
  const auto& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(span["status"]["code"], 2);
  EXPECT_EQ(span["status"]["message"], "unknown provider");
}

TEST(StatusFromReplyTest, RetryableOrNot) {
  absl::Duration retry_after;
  EXPECT_TRUE(StatusFromReply({200, "{}", ""}, &retry_after).ok());
  EXPECT_TRUE(absl::IsUnavailable(StatusFromReply({503, "", ""}, &retry_after)));
  EXPECT_TRUE(absl::IsResourceExhausted(StatusFromReply({429, "", "3"}, &retry_after)));
  EXPECT_EQ(retry_after, absl::Seconds(3));
  EXPECT_TRUE(absl::IsInvalidArgument(StatusFromReply({400, "", ""}, &retry_after)));
  EXPECT_TRUE(absl::IsUnauthenticated(StatusFromReply({401, "", ""}, &retry_after)));
}

}  // namespace
}  // namespace llmsrouter::tracer
