#include "services/router/call_meter.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "services/router/lease_renewer.h"
#include "services/router/router_config.h"
#include "services/router/testing/fake_limits_client.h"
#include "services/router/usage_recorder.h"

namespace llmsrouter::router {
namespace {

class CallMeterTest : public ::testing::Test {
 protected:
  CallMeterTest() {
    UseConfig("");
    request_.set_request_id("req-1");
    request_.set_user("alice");
    request_.set_endpoint("chat/completions");
    request_.set_body(R"({"model":"[oa]m","max_tokens":50})");  // 33 bytes: 9 tokens
    request_.mutable_limits()->set_parallel(100);
  }

  // The fixture's config with `limits_yaml` (a `limits:` block) added.
  void UseConfig(const std::string& limits_yaml) {
    auto config = ParseRouterConfig(
        R"(
servers:
  oa: {url: "http://127.0.0.1:9/v1"}
  other: {url: "http://127.0.0.1:9/v1"}
pricing:
  models:
    "[oa]m": {input: 10, cached_input: 5, output: 100}
)" + limits_yaml,
        [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
    ASSERT_TRUE(config.ok()) << config.status();
    target_.config = *config;
    target_.provider = target_.config->Find("oa");
    target_.upstream_model = "m";
  }

  std::unique_ptr<CallMeter> Meter() {
    auto meter = CallMeter::Create(MeterOptions{.client = &client_}, *target_.config, request_,
                                   ParseBody(request_.body()));
    if (meter) EXPECT_TRUE(meter->SetTarget(target_).ok());
    return meter;
  }

  static v1::CallResponse Head(bool stream) {
    v1::CallResponse head;
    head.mutable_head()->set_status(200);
    head.mutable_head()->set_stream(stream);
    head.mutable_head()->set_provider("oa");
    head.mutable_head()->set_upstream_model("m");
    return head;
  }

  testing::FakeLimitsClient client_;
  v1::CallRequest request_;
  Target target_;
};

TEST_F(CallMeterTest, NoUserNoClientOrNoLimitsIsNotLimited) {
  request_.clear_user();
  EXPECT_FALSE(Meter()->limited());
  request_.set_user("alice");
  EXPECT_FALSE(
      CallMeter::Create(MeterOptions{}, *target_.config, request_, ParseBody(request_.body()))
          ->limited());
  request_.clear_limits();
  auto meter = Meter();
  EXPECT_FALSE(meter->limited());
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  meter->Finish(absl::OkStatus());
  EXPECT_TRUE(client_.admits().empty());
  EXPECT_TRUE(client_.settles().empty());  // no store call for a user without limits
}

TEST_F(CallMeterTest, AUserWithoutLimitsIsRecordedInMemoryOnly) {
  FakeClock clock;
  clock.now = absl::FromUnixMillis(1795780800000);  // 2026-11-27T12:00:00Z
  UsageRecorder usage(nullptr, clock, {.flush_interval = absl::ZeroDuration()});
  request_.clear_limits();
  for (bool with_usage : {true, false}) {
    auto meter = CallMeter::Create(MeterOptions{.client = &client_, .usage = &usage},
                                   *target_.config, request_, ParseBody(request_.body()));
    ASSERT_TRUE(meter->SetTarget(target_).ok());
    v1::CallResponse head = Head(false);
    meter->Observe(&head);
    if (with_usage) {
      v1::CallResponse summary;
      summary.mutable_summary()->mutable_usage()->set_prompt_tokens(100);
      summary.mutable_summary()->mutable_usage()->set_completion_tokens(20);
      meter->Observe(&summary);
    }
    meter->Finish(absl::OkStatus());
  }
  // A call that failed upstream is not charged, so not recorded.
  auto failed = CallMeter::Create(MeterOptions{.client = &client_, .usage = &usage},
                                  *target_.config, request_, ParseBody(request_.body()));
  failed->Finish(absl::UnavailableError("upstream down"));
  EXPECT_TRUE(client_.settles().empty());
  auto rows = usage.Snapshot();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].day, "2026-11-27");
  EXPECT_EQ(rows[0].user, "alice");
  EXPECT_EQ(rows[0].model, "[oa]m");
  EXPECT_EQ(rows[0].counts.calls, 2);
  EXPECT_EQ(rows[0].counts.prompt, 100 + 9);  // the second: the prompt estimate
  EXPECT_EQ(rows[0].counts.completion, 20);
  EXPECT_EQ(rows[0].counts.estimated, 1);
  EXPECT_EQ(rows[0].counts.cost_micros, (100 * 10 + 20 * 100) + 9 * 10);
}

TEST_F(CallMeterTest, CountTokensIsNeitherRecordedNorCharged) {
  FakeClock clock;
  UsageRecorder usage(nullptr, clock, {.flush_interval = absl::ZeroDuration()});
  request_.set_endpoint("messages/count_tokens");
  for (bool limited : {false, true}) {
    if (!limited) request_.clear_limits();
    if (limited) request_.mutable_limits()->set_parallel(100);
    auto meter = CallMeter::Create(MeterOptions{.client = &client_, .usage = &usage},
                                   *target_.config, request_, ParseBody(request_.body()));
    ASSERT_TRUE(meter->SetTarget(target_).ok());
    if (limited) meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
    v1::CallResponse head = Head(false);
    meter->Observe(&head);
    v1::CallResponse data;
    data.set_data(R"({"input_tokens":1234})");  // Anthropic's answer: no usage object
    meter->Observe(&data);
    meter->Finish(absl::OkStatus());
  }
  EXPECT_TRUE(usage.Snapshot().empty()) << "a token count is no call to record";
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u) << "the limited call's reservation is released";
  EXPECT_FALSE(settles[0].charged());
}

TEST_F(CallMeterTest, SettlesTheReportedUsageWithCachedTokensAtTheirPrice) {
  auto meter = Meter();
  ASSERT_NE(meter, nullptr);
  EXPECT_TRUE(meter->limited());
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  v1::CallResponse summary;
  summary.mutable_summary()->mutable_usage()->set_prompt_tokens(100);
  summary.mutable_summary()->mutable_usage()->set_completion_tokens(20);
  summary.mutable_summary()->mutable_usage()->set_details_json(
      R"({"prompt_tokens_details":{"cached_tokens":40}})");
  meter->Observe(&summary);
  meter->Finish(absl::OkStatus());
  meter->Finish(absl::OkStatus());  // once only
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u);
  EXPECT_EQ(settles[0].model(), "[oa]m");
  EXPECT_TRUE(settles[0].charged());
  EXPECT_FALSE(settles[0].estimated());
  EXPECT_EQ(settles[0].prompt_tokens(), 100);
  EXPECT_EQ(settles[0].cached_tokens(), 40);
  EXPECT_EQ(settles[0].completion_tokens(), 20);
  EXPECT_EQ(settles[0].cost_micros(), 60 * 10 + 40 * 5 + 20 * 100);
  EXPECT_TRUE(settles[0].reservation().empty());  // never admitted (Admit was not called)
}

TEST_F(CallMeterTest, AdmissionReservesTheEstimateAndAddsHeaders) {
  request_.mutable_limits()->set_tpm(1000);
  request_.mutable_limits()->set_budget_usd(1);
  request_.mutable_limits()->set_budget_period("day");
  auth::v1::AdmitResponse admitted;
  admitted.set_admitted(true);
  admitted.set_reservation("123|d2026-11-27|0");
  (*admitted.mutable_headers())["x-ratelimit-limit-tokens"] = "1000";
  client_.SetAnswer(admitted);
  auto meter = Meter();
  ASSERT_TRUE(meter->limited());
  bool called = false;
  meter->Admit([&](absl::Status failure, std::optional<auth::v1::AdmitResponse> refusal) {
    called = true;
    EXPECT_TRUE(failure.ok());
    EXPECT_FALSE(refusal.has_value());
  });
  EXPECT_TRUE(called);
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 1u);
  EXPECT_EQ(admits[0].estimated_tokens(), 9 + 50);
  EXPECT_EQ(admits[0].estimated_cost_micros(), 9 * 10 + 50 * 100);
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  EXPECT_EQ(head.head().headers().at("x-ratelimit-limit-tokens"), "1000");
  // The upstream failed: nothing charged, the reservation refunded.
  head.mutable_head()->set_status(500);
  meter->Observe(&head);
  meter->Finish(absl::OkStatus());
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u);
  EXPECT_FALSE(settles[0].charged());
  EXPECT_EQ(settles[0].reservation(), "123|d2026-11-27|0");
  EXPECT_EQ(settles[0].estimated_tokens(), 59);
  EXPECT_EQ(settles[0].estimated_cost_micros(), 5090);
}

TEST_F(CallMeterTest, StoreDownFailsOpenForRatesAndClosedForBudgets) {
  client_.SetAnswer(absl::UnavailableError("redis down"));
  request_.clear_limits();
  request_.mutable_limits()->set_rpm(5);
  absl::Status failure = absl::InternalError("not called");
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_TRUE(failure.ok());
  request_.mutable_limits()->set_budget_usd(3);
  request_.mutable_limits()->set_budget_period("month");
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable);
}

TEST_F(CallMeterTest, HugeMaxTokensIsCappedAndNeverWrapsNegative) {
  request_.set_body(R"({"model":"[oa]m","max_tokens":9223372036854775807})");
  request_.mutable_limits()->set_budget_usd(1);
  request_.mutable_limits()->set_budget_period("day");
  auto meter = Meter();
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 1u);
  EXPECT_GT(admits[0].estimated_tokens(), 999'999'999);
  EXPECT_LE(admits[0].estimated_tokens(), 1'000'001'000);
  EXPECT_GE(admits[0].estimated_cost_micros(), 100'000'000'000);  // $100/M x 1e9 tokens
  EXPECT_EQ(CostMicros(Price{1e300, 0, 0}, 1'000'000, 0, 0), 9'000'000'000'000'000'000);
}

TEST_F(CallMeterTest, StoreErrorsOtherThanUnreachableRefuseTheCall) {
  client_.SetAnswer(absl::InvalidArgumentError("bad estimate"));
  request_.clear_limits();
  request_.mutable_limits()->set_rpm(5);  // would fail open if the store were down
  absl::Status failure;
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_FALSE(failure.ok());
  client_.SetAnswer(absl::DeadlineExceededError("slow"));
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_TRUE(failure.ok());  // slow store: the open policy for rates
}

TEST_F(CallMeterTest, FailedAdmissionIsReleasedByCallId) {
  client_.SetAnswer(absl::DeadlineExceededError("admission timed out"));
  request_.mutable_limits()->set_budget_usd(3);
  request_.mutable_limits()->set_budget_period("month");
  auto meter = Meter();
  absl::Status failure;
  meter->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable);  // budgets fail closed
  meter->Finish(failure);
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u) << "the late reservation, if any, must be released";
  EXPECT_EQ(settles[0].call_id(), client_.admits()[0].call_id());
  EXPECT_FALSE(settles[0].charged());
}

TEST_F(CallMeterTest, TwoXxWithoutUsageIsChargedTheEstimate) {
  auto meter = Meter();
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  v1::CallResponse data;
  data.set_data(R"({"choices":[{"message":{"role":"assistant","content":"abcdefgh"}}]})");
  meter->Observe(&data);
  meter->Finish(absl::OkStatus());  // a complete answer, but the upstream sent no usage
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u);
  EXPECT_TRUE(settles[0].charged());
  EXPECT_TRUE(settles[0].estimated());
  EXPECT_EQ(settles[0].prompt_tokens(), 9);
  EXPECT_EQ(settles[0].completion_tokens(), 2);  // 8 characters
  EXPECT_EQ(settles[0].cost_micros(), 9 * 10 + 2 * 100);
}

// An upload's bytes are no prompt, and a file or transcription call reserves no completion:
// under a tpm limit a 5 MB upload is admitted, and without usage it is charged no tokens.
TEST_F(CallMeterTest, AnUploadReservesAndIsChargedNoTokensForItsBytes) {
  request_.mutable_limits()->set_tpm(1000);
  request_.set_endpoint("files");
  request_.set_content_type("multipart/form-data; boundary=b");
  request_.set_body(std::string(5 << 20, 'x'));
  auth::v1::AdmitResponse admitted;
  admitted.set_admitted(true);
  admitted.set_reservation("r");
  client_.SetAnswer(admitted);
  auto meter = Meter();
  ASSERT_TRUE(meter->limited());
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 1u);
  EXPECT_EQ(admits[0].estimated_tokens(), 0);
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  v1::CallResponse data;
  data.set_data(R"({"id":"file-abc","object":"file","bytes":5242880})");
  meter->Observe(&data);
  meter->Finish(absl::OkStatus());
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u);
  EXPECT_EQ(settles[0].prompt_tokens(), 0);
  EXPECT_EQ(settles[0].completion_tokens(), 0);
}

TEST_F(CallMeterTest, OnlyTextGeneratingEndpointsReserveACompletion) {
  request_.mutable_limits()->set_tpm(1000);
  request_.set_body(R"({"model":"[oa]m"})");  // 17 bytes: 5 tokens, no max_tokens
  auth::v1::AdmitResponse admitted;
  admitted.set_admitted(true);
  client_.SetAnswer(admitted);
  for (const auto& [endpoint, completion] :
       std::vector<std::pair<std::string, int64_t>>{{"chat/completions", 1024},
                                                    {"responses", 1024},
                                                    {"embeddings", 0},
                                                    {"audio/speech", 0},
                                                    {"moderations", 0}}) {
    request_.set_endpoint(endpoint);
    auto meter = Meter();
    meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
    ASSERT_FALSE(client_.admits().empty());
    EXPECT_EQ(client_.admits().back().estimated_tokens(), 5 + completion) << endpoint;
    meter->Finish(absl::OkStatus());
  }
}

TEST_F(CallMeterTest, EstimateCountsEveryChoiceAndTheDearestCandidate) {
  auto config = ParseRouterConfig(
      R"(
servers:
  oa: {url: "http://127.0.0.1:9/v1", fallbacks: ["[ob]big"]}
  ob: {url: "http://127.0.0.1:9/v1"}
  oc: {url: "http://127.0.0.1:9/v1"}
pricing:
  models:
    "[oa]m": {input: 10, output: 100}
    "[ob]big": {input: 30, output: 1000}
    "[oc]huge": {input: 50, output: 5000}
groups:
  g:
    deployments:
      - {model: "[oa]m"}
      - {model: "[oc]huge"}
)",
      [](std::string_view) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(config.ok()) << config.status();
  target_.config = *config;
  target_.provider = target_.config->Find("oa");
  request_.set_body(R"({"model":"[oa]m","max_tokens":50,"n":8})");  // 39 bytes: 10 tokens
  request_.mutable_limits()->set_budget_usd(5);
  request_.mutable_limits()->set_budget_period("day");
  auto meter = Meter();  // priced at the fallback [ob]big
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  ASSERT_TRUE(meter->SetTarget(target_, target_.config->FindGroup("g")).ok());
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 2u);
  EXPECT_EQ(admits[0].estimated_tokens(), 10 + 8 * 50);
  EXPECT_EQ(admits[0].estimated_cost_micros(), 10 * 30 + 400 * 1000);
  EXPECT_EQ(admits[1].estimated_cost_micros(), 10 * 50 + 400 * 5000);  // the group's dearest
  // A candidate without a price is refused when prices are required, fallbacks included.
  auto strict = std::make_shared<RouterConfig>(**config);
  strict->pricing.require = true;
  strict->pricing.models.erase("[ob]big");
  target_.config = strict;
  target_.provider = strict->Find("oa");
  EXPECT_EQ(meter->SetTarget(target_).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CallMeterTest, UnpricedModelIsRefusedToBudgetedUsersOnlyWhenRequired) {
  target_.upstream_model = "unpriced";
  request_.mutable_limits()->set_budget_usd(3);
  request_.mutable_limits()->set_budget_period("month");
  auto meter = CallMeter::Create(MeterOptions{.client = &client_}, *target_.config, request_,
                                 ParseBody(request_.body()));
  EXPECT_TRUE(meter->SetTarget(target_).ok());
  auto strict = std::make_shared<RouterConfig>(*target_.config);
  strict->pricing.require = true;
  target_.config = strict;
  target_.provider = strict->Find("oa");
  EXPECT_EQ(meter->SetTarget(target_).code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(CallMeterTest, HungUpStreamIsChargedFromTheStreamedText) {
  auto meter = Meter();
  v1::CallResponse head = Head(true);
  meter->Observe(&head);
  v1::CallResponse data;
  data.set_data(
      "data: {\"choices\":[{\"delta\":{\"content\":\"abcd\\\"efg\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"xyz\"}}]}\n\n");
  meter->Observe(&data);
  meter->Finish(absl::CancelledError("client went away"));
  auto settles = client_.settles();
  ASSERT_EQ(settles.size(), 1u);
  EXPECT_TRUE(settles[0].charged());
  EXPECT_TRUE(settles[0].estimated());
  EXPECT_EQ(settles[0].prompt_tokens(), 9);
  EXPECT_EQ(settles[0].completion_tokens(), 3);  // 8 + 3 characters
}

TEST(StreamedTextCharsTest, CountsContentAndReasoningOnly) {
  EXPECT_EQ(StreamedTextChars(R"(data: {"id":"x","content":"hi","role":"assistant"})"), 2);
  EXPECT_EQ(StreamedTextChars(R"({"content":"a\nb"} {"reasoning_content":"ccc"})"), 6);
  EXPECT_EQ(StreamedTextChars(R"({"content":null})"), 0);
}

TEST(RefusalMessagesTest, OpenAiBodiesAndHeaders) {
  auth::v1::AdmitResponse refusal;
  refusal.set_refused("budget");
  refusal.set_message("over budget");
  refusal.set_retry_after_ms(1500);
  (*refusal.mutable_headers())["x-ratelimit-limit-requests"] = "5";
  auto messages = RefusalMessages(refusal, "req-9");
  ASSERT_EQ(messages.size(), 2u);
  const auto& head = messages[0].head();
  EXPECT_EQ(head.status(), 429);
  EXPECT_EQ(head.request_id(), "req-9");
  EXPECT_EQ(head.headers().at("retry-after"), "2");
  EXPECT_EQ(head.headers().at("x-ratelimit-limit-requests"), "5");
  EXPECT_EQ(messages[1].data(),
            R"({"error":{"code":"insufficient_quota","message":"over budget","param":null,)"
            R"("type":"insufficient_quota"}})");
  refusal.set_refused("tpm");
  EXPECT_NE(RefusalMessages(refusal, "r")[1].data().find(R"("code":"rate_limit_exceeded")"),
            std::string::npos);
}

TEST_F(CallMeterTest, ChecksTheScopeAndProviderBucketsOfTheCallOnly) {
  UseConfig("limits: {providers: {oa: {rpm: 3000}, other: {rpm: 1}}}");
  request_.mutable_limits()->clear_parallel();
  (*request_.mutable_limits()->mutable_scopes())["oa"].set_tpm(100);
  (*request_.mutable_limits()->mutable_scopes())["other"].set_tpm(1);
  auto meter = Meter();
  ASSERT_NE(meter, nullptr);
  EXPECT_TRUE(meter->limited());  // no own limits, but a scope and a provider apply
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 1u);
  EXPECT_TRUE(admits[0].limits().scopes().empty());
  ASSERT_EQ(admits[0].buckets_size(), 2);
  EXPECT_EQ(admits[0].buckets(0).kind(), "scope");
  EXPECT_EQ(admits[0].buckets(0).name(), "oa");
  EXPECT_EQ(admits[0].buckets(0).limits().tpm(), 100);
  EXPECT_EQ(admits[0].buckets(1).kind(), "provider");
  EXPECT_EQ(admits[0].buckets(1).name(), "oa");
  EXPECT_EQ(admits[0].buckets(1).limits().rpm(), 3000);
}

TEST_F(CallMeterTest, GroupCallChecksTheGroupScopeAndTheChosenProvider) {
  UseConfig(R"(groups:
  fast:
    deployments:
      - {model: "[oa]m"}
      - {model: "[other]m"}
)");
  request_.clear_limits();
  (*request_.mutable_limits()->mutable_scopes())["fast"].set_rpm(7);
  (*request_.mutable_limits()->mutable_scopes())["oa"].set_rpm(9);
  auto meter = CallMeter::Create(MeterOptions{.client = &client_}, *target_.config, request_,
                                 ParseBody("{}"));
  ASSERT_NE(meter, nullptr);
  ASSERT_TRUE(meter->SetTarget(target_, target_.config->FindGroup("fast")).ok());
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 1u);
  ASSERT_EQ(admits[0].buckets_size(), 2);
  EXPECT_EQ(admits[0].buckets(0).name(), "fast");
  EXPECT_EQ(admits[0].buckets(1).name(), "oa");
}

TEST_F(CallMeterTest, ProviderLimitsOfAnotherProviderLeaveTheCallUnlimited) {
  UseConfig("limits: {providers: {other: {rpm: 5}}}");
  request_.clear_limits();
  FakeClock clock;
  UsageRecorder usage(nullptr, clock, {.flush_interval = absl::ZeroDuration()});
  auto meter = CallMeter::Create(MeterOptions{.client = &client_, .usage = &usage}, *target_.config,
                                 request_, ParseBody(request_.body()));
  ASSERT_TRUE(meter->SetTarget(target_).ok());  // the config limits a provider: the target decides
  EXPECT_FALSE(meter->limited());
  v1::CallResponse head = Head(false);
  meter->Observe(&head);
  meter->Finish(absl::OkStatus());
  EXPECT_TRUE(client_.admits().empty());
  EXPECT_TRUE(client_.settles().empty());  // not admitted, not settled: recorded in memory
  ASSERT_EQ(usage.Snapshot().size(), 1u);
  EXPECT_EQ(usage.Snapshot()[0].counts.calls, 1);
  UseConfig("");
  EXPECT_FALSE(Meter()->limited());  // no provider limits, no user limits: never limited
}

TEST_F(CallMeterTest, ProviderLimitsNeedAUserAndAClient) {
  UseConfig("limits: {providers: {oa: {rpm: 5}}}");
  auto no_client =
      CallMeter::Create(MeterOptions{}, *target_.config, request_, ParseBody(request_.body()));
  ASSERT_TRUE(no_client->SetTarget(target_).ok());
  EXPECT_FALSE(no_client->limited());  // accounts off: nowhere to count
  request_.clear_user();
  auto no_user = Meter();
  ASSERT_TRUE(no_user->SetTarget(target_).ok());
  EXPECT_FALSE(no_user->limited());
  request_.set_user("bob");
  request_.clear_limits();
  auto limited = Meter();
  ASSERT_TRUE(limited->SetTarget(target_).ok());
  EXPECT_TRUE(limited->limited());  // the provider's bucket applies to everyone
}

TEST_F(CallMeterTest, DefaultLimitsApplyOnlyToUsersWithoutTheirOwn) {
  UseConfig("limits: {default: {rpm: 60, budget: 5}, default_completion_tokens: 100}");
  request_.clear_limits();
  request_.set_body(R"({"model":"[oa]m"})");  // 17 bytes: 5 tokens, no max_tokens
  auto meter = Meter();
  ASSERT_NE(meter, nullptr);
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  request_.mutable_limits()->set_tpm(500);  // own limits replace the default entirely
  Meter()->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  auto admits = client_.admits();
  ASSERT_EQ(admits.size(), 2u);
  EXPECT_EQ(admits[0].limits().rpm(), 60);
  EXPECT_EQ(admits[0].limits().budget_period(), "month");
  EXPECT_EQ(admits[0].estimated_tokens(), 5 + 100);
  EXPECT_EQ(admits[1].limits().rpm(), 0);
  EXPECT_EQ(admits[1].limits().tpm(), 500);
  EXPECT_EQ(admits[1].limits().budget_usd(), 0);
}

TEST_F(CallMeterTest, FailurePolicyPerKindIsConfigurable) {
  client_.SetAnswer(absl::UnavailableError("redis down"));
  UseConfig("limits: {failure_policy: {rate_limits: closed, budgets: open}}");
  request_.clear_limits();
  request_.mutable_limits()->set_rpm(5);
  absl::Status failure;
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(failure.message().find("rate limits"), std::string::npos);
  request_.clear_limits();
  request_.mutable_limits()->set_budget_usd(3);
  request_.mutable_limits()->set_budget_period("month");
  Meter()->Admit([&](absl::Status f, std::optional<auth::v1::AdmitResponse>) { failure = f; });
  EXPECT_TRUE(failure.ok());  // budgets: open
}

TEST_F(CallMeterTest, AnAdmittedCallKeepsItsLeaseUntilItEnds) {
  FakeClock clock;
  LeaseRenewer renewer(&client_, &clock);
  auth::v1::AdmitResponse admitted;
  admitted.set_admitted(true);
  admitted.set_lease_ms(30000);
  client_.SetAnswer(admitted);
  auto meter = CallMeter::Create(MeterOptions{.client = &client_, .renewer = &renewer},
                                 *target_.config, request_, ParseBody(request_.body()));
  ASSERT_TRUE(meter->SetTarget(target_).ok());
  meter->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  EXPECT_EQ(renewer.size(), 1u);  // request_ has parallel: 100
  meter->Finish(absl::OkStatus());
  EXPECT_EQ(renewer.size(), 0u);
  // Without a parallel limit the reservation record is kept too (a long budgeted call's
  // settlement still corrects its budget).
  request_.mutable_limits()->set_parallel(0);
  request_.mutable_limits()->set_budget_usd(5);
  request_.mutable_limits()->set_budget_period("day");
  auto budgeted = CallMeter::Create(MeterOptions{.client = &client_, .renewer = &renewer},
                                    *target_.config, request_, ParseBody(request_.body()));
  ASSERT_TRUE(budgeted->SetTarget(target_).ok());
  budgeted->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  EXPECT_EQ(renewer.size(), 1u);
  budgeted->Finish(absl::OkStatus());
  EXPECT_EQ(renewer.size(), 0u);
  // A meter destroyed without Finish (the call was dropped) unregisters too.
  request_.mutable_limits()->set_parallel(1);
  auto dropped = CallMeter::Create(MeterOptions{.client = &client_, .renewer = &renewer},
                                   *target_.config, request_, ParseBody(request_.body()));
  ASSERT_TRUE(dropped->SetTarget(target_).ok());
  dropped->Admit([](absl::Status, std::optional<auth::v1::AdmitResponse>) {});
  EXPECT_EQ(renewer.size(), 1u);
  dropped.reset();
  EXPECT_EQ(renewer.size(), 0u);
}

TEST(PricingTest, ConfigOverridesTheShippedTable) {
  PricingConfig pricing;
  EXPECT_NE(pricing.Find("any", "gpt-4o"), nullptr);
  EXPECT_DOUBLE_EQ(pricing.Find("any", "gpt-4o")->output, 10.0);
  EXPECT_EQ(pricing.Find("any", "nope"), nullptr);
  YAML::Node node = YAML::Load(R"({require: true, models: {"[a]gpt-4o": {input: 1, output: 2},
                                   "gpt-4o": {input: 3}}})");
  ASSERT_TRUE(ParsePricing(node, &pricing).ok());
  EXPECT_TRUE(pricing.require);
  EXPECT_DOUBLE_EQ(pricing.Find("a", "gpt-4o")->input, 1.0);
  EXPECT_DOUBLE_EQ(pricing.Find("a", "gpt-4o")->cached_input, 1.0);  // defaults to input
  EXPECT_DOUBLE_EQ(pricing.Find("b", "gpt-4o")->input, 3.0);
  EXPECT_EQ(CostMicros(Price{2.5, 1.25, 10}, 1000, 400, 100), 1500 + 500 + 1000);
  tracer::v1::TraceEvent event;
  event.set_provider("a");
  event.set_upstream_model("gpt-4o");
  event.mutable_usage()->set_prompt_tokens(1000000);
  event.mutable_usage()->set_completion_tokens(500000);
  event.mutable_usage()->set_details_json(R"({"prompt_tokens_details":{"cached_tokens":0}})");
  AddTraceCost(pricing, &event);
  EXPECT_DOUBLE_EQ(event.cost_input_usd(), 1.0);
  EXPECT_DOUBLE_EQ(event.cost_output_usd(), 1.0);
  PricingConfig bad;
  EXPECT_EQ(ParsePricing(YAML::Load(R"({models: {"m": {input: -1}}})"), &bad).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePricing(YAML::Load(R"({require: maybe})"), &bad).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmsrouter::router
