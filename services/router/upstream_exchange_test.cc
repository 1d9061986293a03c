#include "services/router/upstream_exchange.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "absl/strings/cord.h"
#include "common/status_map.h"
#include "common/testing/fake_clock.h"

namespace llmsrouter::router {
namespace {

class RecordingOutput : public CallOutput {
 public:
  bool HasRoom() override { return room; }
  void Emit(v1::CallResponse message) override { messages.push_back(std::move(message)); }
  void Complete(absl::Status s) override { status = std::move(s); }

  bool room = true;
  std::vector<v1::CallResponse> messages;
  std::optional<absl::Status> status;
};

class UpstreamExchangeTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  RecordingOutput out_;
  UpstreamExchange exchange_{clock_, &out_, {"fake", "m", "req_1", true}};
};

TEST_F(UpstreamExchangeTest, StreamsEventsVerbatimAndExtractsUsage) {
  exchange_.OnHeaders(200, {{"content-type", "text/event-stream"}, {"x-ratelimit-remaining", "9"}});
  ASSERT_EQ(out_.messages.size(), 1u);
  EXPECT_TRUE(out_.messages[0].head().stream());
  EXPECT_EQ(out_.messages[0].head().headers().at("x-ratelimit-remaining"), "9");
  clock_.now += absl::Milliseconds(5);
  EXPECT_TRUE(exchange_.OnData("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\nda"));
  EXPECT_TRUE(exchange_.OnData(
      "ta: {\"choices\":[{\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
      "\"total_tokens\":5}}\n\ndata: [DONE]\n\n"));
  exchange_.OnComplete(absl::OkStatus());
  ASSERT_TRUE(out_.status.has_value());
  EXPECT_TRUE(out_.status->ok());
  ASSERT_EQ(out_.messages.size(), 4u);  // head, data, data, summary
  EXPECT_EQ(out_.messages[1].data(), "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
  EXPECT_EQ(out_.messages[2].data().substr(0, 10), "data: {\"ch");
  const auto& summary = out_.messages[3].summary();
  EXPECT_EQ(summary.usage().total_tokens(), 5);
  EXPECT_EQ(summary.finish_reason(), "stop");
  EXPECT_EQ(summary.timings().first_token_unix_us(), 1000005000);
}

TEST_F(UpstreamExchangeTest, RefusesBytesWhenTheConsumerIsFull) {
  exchange_.OnHeaders(200, {{"content-type", "text/event-stream"}});
  out_.room = false;
  EXPECT_FALSE(exchange_.OnData("data: x\n\n"));
  EXPECT_EQ(out_.messages.size(), 1u);
  out_.room = true;
  EXPECT_TRUE(exchange_.OnData("data: x\n\n"));
  EXPECT_EQ(out_.messages.size(), 2u);
}

TEST_F(UpstreamExchangeTest, UpstreamErrorKeepsStatusHeadersAndBody) {
  exchange_.OnHeaders(429, {{"content-type", "application/json"}, {"retry-after", "7"}});
  EXPECT_TRUE(out_.messages.empty());  // not a stream: the head waits for the body
  exchange_.OnData(R"({"error":{"message":"slow down"}})");
  exchange_.OnComplete(absl::OkStatus());
  ASSERT_EQ(out_.messages.size(), 3u);
  EXPECT_EQ(out_.messages[0].head().status(), 429);
  EXPECT_FALSE(out_.messages[0].head().stream());
  EXPECT_EQ(out_.messages[0].head().headers().at("retry-after"), "7");
  EXPECT_EQ(out_.messages[1].data(), R"({"error":{"message":"slow down"}})");
  EXPECT_EQ(out_.messages[2].summary().upstream_status(), 429);
}

TEST_F(UpstreamExchangeTest, ConnectFailureBeforeAnyByteIsABadGateway) {
  exchange_.OnComplete(absl::UnavailableError("connection refused"));
  EXPECT_TRUE(out_.messages.empty());
  ASSERT_TRUE(out_.status.has_value());
  EXPECT_EQ(out_.status->code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(exchange_.emitted());
}

TEST_F(UpstreamExchangeTest, CutAfterTheHeadEndsWithAnErrorSummary) {
  exchange_.OnHeaders(200, {{"content-type", "text/event-stream"}});
  exchange_.OnData("data: 1\n\n");
  exchange_.OnComplete(absl::UnavailableError("upstream: connection reset"));
  ASSERT_EQ(out_.messages.size(), 3u);
  EXPECT_EQ(out_.messages[2].summary().error(), "provider 'fake': connection reset");
  EXPECT_EQ(out_.status->code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(exchange_.emitted());
}

TEST_F(UpstreamExchangeTest, NonStreamBodyUsageIsRecorded) {
  exchange_.OnHeaders(200, {{"content-type", "application/json"}});
  exchange_.OnData(R"({"choices":[{"finish_reason":"length"}],"usage":{"prompt_tokens":1,)");
  exchange_.OnData(
      R"("completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":1}}})");
  exchange_.OnComplete(absl::OkStatus());
  ASSERT_EQ(out_.messages.size(), 3u);
  const auto& summary = out_.messages[2].summary();
  EXPECT_EQ(summary.usage().completion_tokens(), 2);
  EXPECT_EQ(summary.finish_reason(), "length");
  EXPECT_EQ(summary.usage().details_json(), R"({"prompt_tokens_details":{"cached_tokens":1}})");
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST(UpstreamExchangeHideUsageTest, RecordsButHidesTheInjectedUsageChunk) {
  FakeClock clock;
  RecordingOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "m", "r", true, /*hide_usage_chunk=*/true});
  exchange.OnHeaders(200, {{"content-type", "text/event-stream"}});
  exchange.OnData(
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"total_tokens\":7}}\n\ndata: [DONE]\n\n");
  exchange.OnComplete(absl::OkStatus());
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[1].data(),
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n");
  EXPECT_EQ(out.messages[2].summary().usage().total_tokens(), 7);
}

class TakingOverOutput : public RecordingOutput {
 public:
  bool TakeOverFailure(const absl::Status& transport, int http_status,
                       absl::Duration retry_after) override {
    offered_status = http_status;
    offered_retry_after = retry_after;
    return true;
  }
  int offered_status = -1;
  absl::Duration offered_retry_after;
};

TEST(UpstreamExchangeTakeOverTest, RetryableErrorIsOfferedAndNothingEmitted) {
  FakeClock clock;
  TakingOverOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "m", "r", false});
  exchange.OnHeaders(503, {{"content-type", "application/json"}, {"retry-after", "2"}});
  exchange.OnData("{}");
  exchange.OnComplete(absl::OkStatus());
  EXPECT_EQ(out.offered_status, 503);
  EXPECT_EQ(out.offered_retry_after, absl::Seconds(2));
  EXPECT_TRUE(out.messages.empty());
  EXPECT_FALSE(out.status.has_value());
}

ExchangeInfo CappedInfo(BufferBudget* budget, bool stream) {
  ExchangeInfo info{"fake", "m", "r", stream};
  info.max_event_bytes = 1024;
  info.max_buffered_bytes = 4096;
  info.budget = budget;
  return info;
}

TEST(UpstreamExchangeCapsTest, AnUnterminatedEventPastTheCapEndsTheStream) {
  FakeClock clock;
  RecordingOutput out;
  BufferBudget budget;
  UpstreamExchange exchange(clock, &out, CappedInfo(&budget, true));
  exchange.OnHeaders(200, {{"content-type", "text/event-stream"}});
  EXPECT_TRUE(exchange.OnData("data: ok\n\n"));
  EXPECT_TRUE(exchange.OnData("data: " + std::string(900, 'A')));
  EXPECT_EQ(budget.used(), 906u);
  EXPECT_FALSE(exchange.OnData(std::string(200, 'A')));
  absl::Status abort = exchange.AbortStatus();
  EXPECT_EQ(abort.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(abort.message().find("limits.sse_event_bytes"), absl::string_view::npos);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(exchange.OnData("more"));  // stays refused
  exchange.OnComplete(abort);             // what the HTTP client reports after aborting
  ASSERT_TRUE(out.status.has_value());
  EXPECT_EQ(HttpStatusFromStatus(*out.status), 502);
  EXPECT_EQ(ErrorCode(*out.status), "upstream_error");
  EXPECT_NE(out.messages.back().summary().error().find("sse_event_bytes"), std::string::npos);
}

TEST(UpstreamExchangeCapsTest, TheProcessWideBudgetBoundsManyCalls) {
  FakeClock clock;
  BufferBudget budget;
  RecordingOutput out_a;
  TakingOverOutput out_b;
  UpstreamExchange a(clock, &out_a, CappedInfo(&budget, false));
  UpstreamExchange b(clock, &out_b, CappedInfo(&budget, false));
  a.OnHeaders(200, {{"content-type", "application/json"}});
  b.OnHeaders(200, {{"content-type", "application/json"}});
  EXPECT_TRUE(a.OnData(std::string(3000, ' ')));
  EXPECT_FALSE(b.OnData(std::string(2000, ' ')));  // 5000 > 4096 together
  EXPECT_FALSE(b.AbortStatus().ok());
  b.OnComplete(b.AbortStatus());
  EXPECT_EQ(out_b.offered_status, -1);  // a cap is not retried
  ASSERT_TRUE(out_b.status.has_value());
  EXPECT_EQ(HttpStatusFromStatus(*out_b.status), 502);  // before any head: a 502 error
  EXPECT_TRUE(out_b.messages.empty());
  EXPECT_TRUE(a.OnData("{}"));
  a.OnComplete(absl::OkStatus());
  EXPECT_TRUE(out_a.status->ok());
  EXPECT_EQ(budget.used(), 0u);
}

TEST(UpstreamExchangeLeaksTest, TransportErrorsNameTheAliasNotTheAddress) {
  FakeClock clock;
  RecordingOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "m", "r", false});
  absl::Status curl = absl::UnavailableError("upstream: Couldn't connect to server");
  curl.SetPayload(kHttpErrorDetail,
                  absl::Cord("Failed to connect to 127.0.0.1 port 24999 after 0 ms"));
  exchange.OnComplete(curl);
  ASSERT_TRUE(out.status.has_value());
  EXPECT_EQ(out.status->message(), "provider 'fake': Couldn't connect to server");
  EXPECT_FALSE(out.status->GetPayload(kHttpErrorDetail).has_value());
  EXPECT_EQ(OpenAiErrorBody(*out.status).find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(HttpStatusFromStatus(*out.status), 502);
}

TEST(UpstreamExchangeLeaksTest, OperatorHeadersStayBehind) {
  FakeClock clock;
  RecordingOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "m", "r", true});
  exchange.OnHeaders(200, {{"content-type", "text/event-stream"},
                           {"openai-organization", "acme-prod"},
                           {"openai-project", "proj_123"},
                           {"openai-processing-ms", "12"},
                           {"x-ratelimit-remaining-requests", "9"},
                           {"set-cookie", "a=b"}});
  const auto& headers = out.messages.at(0).head().headers();
  EXPECT_FALSE(headers.contains("openai-organization"));
  EXPECT_FALSE(headers.contains("openai-project"));
  EXPECT_FALSE(headers.contains("set-cookie"));
  EXPECT_EQ(headers.at("openai-processing-ms"), "12");
  EXPECT_EQ(headers.at("x-ratelimit-remaining-requests"), "9");
}

TEST(UpstreamExchangeLeaksTest, NonJsonErrorBodiesBecomeOpenAiErrors) {
  FakeClock clock;
  RecordingOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "m", "r", false});
  exchange.OnHeaders(502, {{"content-type", "text/html"}});
  exchange.OnData("<html><script>alert(1)</script>" + std::string(2000, 'x') + "</html>");
  exchange.OnComplete(absl::OkStatus());
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[0].head().status(), 502);
  EXPECT_EQ(out.messages[0].head().content_type(), "application/json");
  auto body = nlohmann::json::parse(out.messages[1].data());
  EXPECT_EQ(body["error"]["type"], "service_unavailable_error");
  EXPECT_EQ(body["error"]["code"], "upstream_error");
  EXPECT_TRUE(body["error"].contains("param"));
  std::string message = body["error"]["message"];
  EXPECT_EQ(message.rfind("provider 'fake' answered HTTP 502: <html><script>", 0), 0u);
  EXPECT_LT(message.size(), 600u);  // quoted, truncated
  // A JSON error passes untouched.
  RecordingOutput json_out;
  UpstreamExchange json(clock, &json_out, {"fake", "m", "r", false});
  json.OnHeaders(400, {{"content-type", "application/json"}});
  json.OnData(R"({"error":{"message":"bad"}})");
  json.OnComplete(absl::OkStatus());
  EXPECT_EQ(json_out.messages.at(1).data(), R"({"error":{"message":"bad"}})");
}

TEST(RetryAfterTest, ParsesSecondsAndMilliseconds) {
  EXPECT_EQ(RetryAfter({{"retry-after", "7"}}), absl::Seconds(7));
  EXPECT_EQ(RetryAfter({{"retry-after", "1"}, {"retry-after-ms", "250"}}), absl::Milliseconds(250));
  EXPECT_EQ(RetryAfter({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}), absl::ZeroDuration());
  EXPECT_EQ(RetryAfter({}), absl::ZeroDuration());
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST(UpstreamExchangeRawTest, NonJsonAnswersPassThroughAsTheyComeWithBackpressure) {
  FakeClock clock;
  RecordingOutput out;
  UpstreamExchange exchange(clock, &out, {"fake", "tts-1", "req_1", false});
  exchange.OnHeaders(200, {{"content-type", "audio/mpeg"}});
  ASSERT_EQ(out.messages.size(), 1u);  // the head at once
  EXPECT_TRUE(out.messages[0].head().stream());
  EXPECT_EQ(out.messages[0].head().content_type(), "audio/mpeg");
  std::string bytes("\xff\xfb\0data: \n\n", 11);
  EXPECT_TRUE(exchange.OnData(bytes));
  out.room = false;
  EXPECT_FALSE(exchange.OnData("more"));  // refused: delivered again after Resume
  out.room = true;
  EXPECT_TRUE(exchange.OnData("more"));
  exchange.OnComplete(absl::OkStatus());
  ASSERT_EQ(out.messages.size(), 4u);  // head, bytes, more, summary
  EXPECT_EQ(out.messages[1].data(), bytes);
  EXPECT_EQ(out.messages[2].data(), "more");
  EXPECT_TRUE(out.messages[3].has_summary());
  EXPECT_TRUE(out.status->ok());
}

TEST(UpstreamExchangeRawTest, ResourceIdsCarryTheProviderInBodiesAndEvents) {
  FakeClock clock;
  RecordingOutput out;
  ExchangeInfo info{"fake", "", "req_1", false};
  info.id_alias = "b";
  UpstreamExchange whole(clock, &out, info);
  whole.OnHeaders(200, {{"content-type", "application/json"}});
  whole.OnData(R"({"id":"file-1","filename":"file-2"})");
  whole.OnComplete(absl::OkStatus());
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[1].data(), R"({"id":"file-llmsr.Yg.1","filename":"file-2"})");
  out.messages.clear();
  UpstreamExchange streamed(clock, &out, info);
  streamed.OnHeaders(200, {{"content-type", "text/event-stream"}});
  streamed.OnData("event: response.created\ndata: {\"response\":{\"id\":\"resp_9\"}}\n\n");
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[1].data(),
            "event: response.created\ndata: {\"response\":{\"id\":\"resp_llmsr.Yg.9\"}}\n\n");
}

// A file's content is passed through raw even when it is JSON (a batch's JSONL output full
// of "id" keys): not buffered, not rewritten; its name (content-disposition) is forwarded.
TEST(UpstreamExchangeRawTest, FileContentIsRawEvenWhenJson) {
  FakeClock clock;
  RecordingOutput out;
  ExchangeInfo info{"fake", "", "req_1", false};
  info.raw_answer = true;
  UpstreamExchange exchange(clock, &out, info);
  exchange.OnHeaders(200, {{"content-type", "application/jsonl"},
                           {"content-disposition", "attachment; filename=\"out.jsonl\""}});
  ASSERT_EQ(out.messages.size(), 1u);  // the head at once: nothing buffered
  EXPECT_TRUE(out.messages[0].head().stream());
  EXPECT_EQ(out.messages[0].head().headers().at("content-disposition"),
            "attachment; filename=\"out.jsonl\"");
  const std::string line = R"({"id":"batch_req_1","custom_id":"file-2"})"
                           "\n";
  EXPECT_TRUE(exchange.OnData(line));
  exchange.OnComplete(absl::OkStatus());
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[1].data(), line);
}

}  // namespace
}  // namespace llmsrouter::router
