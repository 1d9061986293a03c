#include "services/router/upstream_exchange.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

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
  EXPECT_EQ(out_.messages[2].summary().error(), "upstream: connection reset");
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

TEST(RetryAfterTest, ParsesSecondsAndMilliseconds) {
  EXPECT_EQ(RetryAfter({{"retry-after", "7"}}), absl::Seconds(7));
  EXPECT_EQ(RetryAfter({{"retry-after", "1"}, {"retry-after-ms", "250"}}), absl::Milliseconds(250));
  EXPECT_EQ(RetryAfter({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}), absl::ZeroDuration());
  EXPECT_EQ(RetryAfter({}), absl::ZeroDuration());
}

}  // namespace
}  // namespace llmsrouter::router
