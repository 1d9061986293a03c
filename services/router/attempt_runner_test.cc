#include "services/router/attempt_runner.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/status_map.h"
#include "common/testing/fake_clock.h"
#include "common/testing/fake_scheduler.h"
#include "services/router/group_balancer.h"
#include "services/router/testing/fake_http_client.h"

namespace llmsrouter::router {
namespace {

class Sink : public CallOutput {
 public:
  bool HasRoom() override { return true; }
  void Emit(v1::CallResponse m) override { messages.push_back(std::move(m)); }
  void Complete(absl::Status s) override {
    ASSERT_FALSE(status.has_value()) << "Complete called twice";
    status = std::move(s);
  }
  std::vector<v1::CallResponse> messages;
  std::optional<absl::Status> status;
};

class AttemptRunnerTest : public ::testing::Test {
 protected:
  AttemptRunnerTest() {
    auto config = std::make_shared<RouterConfig>();
    ProviderConfig a{.alias = "a", .url = "http://a"};
    a.retry.max_retries = 2;
    a.fallbacks = {"[missing]x", "[b]backup"};
    config->providers["a"] = a;
    config->providers["b"] = ProviderConfig{.alias = "b", .url = "http://b", .max_connections = 1};
    config->proxy_allow_urls = {"http://127.0.0.2:9/v1"};
    store_ = std::make_unique<ConfigStore>(config);
    deps_ = RouterDeps{store_.get(), &http_,    &SystemClock::Get(),
                       &scheduler_,  &limiter_, [] { return 0.5; }};
  }

  std::shared_ptr<AttemptRunner> Run(const std::string& body, Sink* sink,
                                     const std::string& proxy = "") {
    v1::CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(body);
    request.set_proxy(proxy);
    auto prepared = PrepareCall(store_->Get(), request);
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    auto runner = std::make_shared<AttemptRunner>(deps_, request, *std::move(prepared), sink);
    runner->Start();
    return runner;
  }

  FakeHttpClient http_;
  FakeScheduler scheduler_;
  ProviderLimiter limiter_;
  std::unique_ptr<ConfigStore> store_;
  RouterDeps deps_;
};

TEST(RetryDelayTest, ExponentialWithEqualJitterAndRetryAfterFloor) {
  RetryPolicy p;  // 250 ms base, 8 s max
  EXPECT_EQ(RetryDelay(p, 0, 0.0, absl::ZeroDuration()), absl::Milliseconds(125));
  EXPECT_EQ(RetryDelay(p, 0, 1.0, absl::ZeroDuration()), absl::Milliseconds(250));
  EXPECT_EQ(RetryDelay(p, 3, 1.0, absl::ZeroDuration()), absl::Seconds(2));
  EXPECT_EQ(RetryDelay(p, 10, 1.0, absl::ZeroDuration()), absl::Seconds(8));
  EXPECT_EQ(RetryDelay(p, 0, 0.0, absl::Seconds(3)), absl::Seconds(3));
}

TEST_F(AttemptRunnerTest, RetriesA503ThenAnswers) {
  Sink sink;
  auto runner = Run(R"({"model":"[a]m"})", &sink);
  ASSERT_EQ(http_.started.size(), 1u);
  http_.Respond(0, 503, {{"content-type", "application/json"}}, "{}");
  EXPECT_TRUE(sink.messages.empty());
  ASSERT_EQ(scheduler_.pending.size(), 1u);
  EXPECT_EQ(scheduler_.delays[0], absl::Microseconds(187500));  // 125 ms + 0.5 * 125 ms
  scheduler_.RunAll();
  ASSERT_EQ(http_.started.size(), 2u);
  EXPECT_EQ(http_.started[1]->request.url, "http://a/chat/completions");
  http_.Respond(1, 200, {{"content-type", "application/json"}}, R"({"ok":true})");
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_TRUE(sink.status->ok());
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_EQ(sink.messages[1].data(), R"({"ok":true})");
  EXPECT_EQ(sink.messages[2].summary().attempts(), 2);
}

TEST_F(AttemptRunnerTest, HonoursRetryAfter) {
  Sink sink;
  auto runner = Run(R"({"model":"[a]m"})", &sink);
  http_.Respond(0, 429, {{"retry-after", "4"}}, "{}");
  ASSERT_EQ(scheduler_.delays.size(), 1u);
  EXPECT_EQ(scheduler_.delays[0], absl::Seconds(4));
}

TEST_F(AttemptRunnerTest, FallsBackAfterRetriesSkippingUnknownAliases) {
  Sink sink;
  auto runner = Run(R"({"model":"[a]m","x":1})", &sink);
  http_.Fail(0, absl::UnavailableError("connection refused"));
  scheduler_.RunAll();
  http_.Fail(1, absl::UnavailableError("connection refused"));
  scheduler_.RunAll();
  http_.Fail(2, absl::UnavailableError("connection refused"));
  scheduler_.RunAll();
  ASSERT_EQ(http_.started.size(), 4u);
  EXPECT_EQ(http_.started[3]->request.url, "http://b/chat/completions");
  EXPECT_EQ(http_.started[3]->request.body, R"({"model":"backup","x":1})");
  EXPECT_EQ(runner->provider(), "b");
  http_.Respond(3, 200, {{"content-type", "application/json"}}, "{}");
  EXPECT_TRUE(sink.status->ok());
  EXPECT_EQ(sink.messages[0].head().provider(), "b");
}

TEST_F(AttemptRunnerTest, AClientErrorIsAnsweredAsIs) {
  Sink sink;
  auto runner = Run(R"({"model":"[a]m"})", &sink);
  http_.Respond(0, 400, {{"content-type", "application/json"}}, R"({"error":{}})");
  EXPECT_TRUE(scheduler_.pending.empty());
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_EQ(sink.messages[0].head().status(), 400);
  EXPECT_TRUE(sink.status->ok());
}

TEST_F(AttemptRunnerTest, LastFailureIsReportedWhenEverythingFailed) {
  Sink sink;
  auto runner = Run(R"({"model":"[b]m"})", &sink);  // b: default 2 retries, no fallbacks
  for (size_t i = 0; i < 3; ++i) {
    http_.Respond(i, 502, {{"content-type", "application/json"}}, R"({"error":"bad"})");
    scheduler_.RunAll();
  }
  EXPECT_EQ(http_.started.size(), 3u);
  ASSERT_EQ(sink.messages.size(), 3u);
  EXPECT_EQ(sink.messages[0].head().status(), 502);
  EXPECT_EQ(sink.messages[2].summary().attempts(), 3);
}

TEST_F(AttemptRunnerTest, CancelDuringBackoffCompletesAtOnce) {
  Sink sink;
  auto runner = Run(R"({"model":"[a]m"})", &sink);
  http_.Fail(0, absl::UnavailableError("refused"));
  runner->Cancel();
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_EQ(sink.status->code(), absl::StatusCode::kCancelled);
  scheduler_.RunAll();
  EXPECT_EQ(http_.started.size(), 1u);  // no new attempt after the cancel
}

// The first attempt fails (and its backoff begins) before the transfer is even handed back
// to the runner: a cancel during that backoff must still complete the call.
TEST_F(AttemptRunnerTest, CancelDuringABackoffThatBeganInsideStartCompletesAtOnce) {
  http_.fail_inside_start = absl::UnavailableError("refused");
  Sink sink;
  auto runner = Run(R"({"model":"[a]m"})", &sink);
  EXPECT_FALSE(sink.status.has_value());  // waiting out the backoff
  runner->Cancel();
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_EQ(sink.status->code(), absl::StatusCode::kCancelled);
  scheduler_.RunAll();
  EXPECT_EQ(http_.started.size(), 1u);
}

TEST_F(AttemptRunnerTest, ProviderCapQueuesCallsUntilASlotFrees) {
  Sink first_sink, second_sink;
  auto first = Run(R"({"model":"[b]m"})", &first_sink);
  auto second = Run(R"({"model":"[b]m"})", &second_sink);
  ASSERT_EQ(http_.started.size(), 1u);  // b allows one at a time
  EXPECT_EQ(limiter_.in_flight("b"), 1);
  http_.Respond(0, 200, {{"content-type", "application/json"}}, "{}");
  ASSERT_EQ(http_.started.size(), 2u);
  http_.Respond(1, 200, {{"content-type", "application/json"}}, "{}");
  EXPECT_EQ(limiter_.in_flight("b"), 0);
  EXPECT_TRUE(second_sink.status->ok());
}

TEST_F(AttemptRunnerTest, CancelWhileQueuedForASlotFreesNothingTwice) {
  Sink first_sink, second_sink;
  auto first = Run(R"({"model":"[b]m"})", &first_sink);
  auto second = Run(R"({"model":"[b]m"})", &second_sink);
  second->Cancel();
  EXPECT_EQ(second_sink.status->code(), absl::StatusCode::kCancelled);
  http_.Respond(0, 200, {{"content-type", "application/json"}}, "{}");
  EXPECT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(limiter_.in_flight("b"), 0);
}

TEST_F(AttemptRunnerTest, AFullSlotQueueRefusesTheCallNamingTheProvider) {
  ProviderLimiter small(/*max_waiting=*/1);
  deps_.limiter = &small;
  Sink first_sink, second_sink, third_sink;
  auto first = Run(R"({"model":"[b]m"})", &first_sink);
  auto second = Run(R"({"model":"[b]m"})", &second_sink);  // waits
  auto third = Run(R"({"model":"[b]m"})", &third_sink);    // beyond the bound
  ASSERT_TRUE(third_sink.status.has_value());
  EXPECT_EQ(third_sink.status->code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(HttpStatusFromStatus(*third_sink.status), 429);
  EXPECT_NE(third_sink.status->message().find("provider 'b'"), absl::string_view::npos)
      << *third_sink.status;
  EXPECT_TRUE(third_sink.messages.empty());
  EXPECT_FALSE(second_sink.status.has_value());
  EXPECT_EQ(small.waiting("b"), 1);
  third->Cancel();  // after the end: nothing more happens
  http_.Respond(0, 200, {{"content-type", "application/json"}}, "{}");
  ASSERT_EQ(http_.started.size(), 2u);  // the waiting call got the slot; the refused one never
  http_.Respond(1, 200, {{"content-type", "application/json"}}, "{}");
  EXPECT_TRUE(second_sink.status->ok());
  EXPECT_EQ(small.in_flight("b"), 0);
}

TEST_F(AttemptRunnerTest, AnAdhocUrlIsNamedAdhocNotByItsUrl) {
  Sink sink;
  auto runner = Run(R"({"model":"m"})", &sink, "http://127.0.0.2:9/v1");
  ASSERT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(http_.started[0]->request.url, "http://127.0.0.2:9/v1/chat/completions");
  EXPECT_EQ(runner->provider(), "adhoc");
  http_.Respond(0, 200, {{"content-type", "application/json"}}, "{}");
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_TRUE(sink.status->ok());
  EXPECT_EQ(sink.messages[0].head().provider(), "adhoc");
}

// A POST that creates a resource (a batch) is sent again only when it never left: not
// after a timeout (the provider may have made the batch), but after a refused connection.
TEST_F(AttemptRunnerTest, ANonIdempotentPostIsResentOnlyWhenItNeverLeft) {
  v1::CallRequest request;
  request.set_method("POST");
  request.set_endpoint("batches");
  request.set_body(R"({"input_file_id":"file-1"})");
  request.set_proxy("a");
  auto run = [&](Sink* sink) {
    auto prepared = PrepareCall(store_->Get(), request);
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    auto runner = std::make_shared<AttemptRunner>(deps_, request, *std::move(prepared), sink);
    runner->Start();
    return runner;
  };
  Sink timed_out;
  auto first = run(&timed_out);
  http_.Fail(0, absl::DeadlineExceededError("upstream: timeout"));
  EXPECT_TRUE(scheduler_.pending.empty());
  ASSERT_TRUE(timed_out.status.has_value());
  EXPECT_FALSE(timed_out.status->ok());
  Sink refused;
  auto second = run(&refused);
  absl::Status not_sent = absl::UnavailableError("upstream: could not connect");
  not_sent.SetPayload(kNotSent, absl::Cord("1"));
  http_.Fail(1, not_sent);
  ASSERT_EQ(scheduler_.pending.size(), 1u);  // a retry
  EXPECT_FALSE(refused.status.has_value());
  second->Cancel();
}

// Calls model group "g" (deployments [a]m-a and [b]m-b, `ejection`) the way CallPipe does.
class GroupAttemptTest : public AttemptRunnerTest {
 protected:
  std::shared_ptr<AttemptRunner> RunGroup(Sink* sink, EjectionPolicy ejection = {}) {
    auto config = std::make_shared<RouterConfig>(*store_->Get());
    for (const char* alias : {"a", "b"}) config->providers[alias].retry.max_retries = 0;
    config->providers["a"].fallbacks.clear();
    config->groups["g"] = GroupConfig{
        .name = "g", .deployments = {{"[a]m-a", "a", 1}, {"[b]m-b", "b", 1}}, .ejection = ejection};
    config_ = config;
    store_ = std::make_unique<ConfigStore>(config);
    deps_.config = store_.get();
    deps_.groups = &groups_;
    v1::CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(R"({"model":"g"})");
    JsonBody body = ParseBody(request.body());
    auto route = RouteToGroup(groups_, *config, request, body);
    EXPECT_TRUE(route.ok() && route->has_value());
    EXPECT_EQ((*route)->open, "[a]m-a");
    auto prepared = PrepareCall(config, request, std::move(body), &*(*route)->open);
    EXPECT_TRUE(prepared.ok()) << prepared.status();
    auto runner = std::make_shared<AttemptRunner>(deps_, request, *std::move(prepared), sink);
    runner->SetGroupRoute(**std::move(route));
    runner->Start();
    return runner;
  }

  FakeClock clock_;
  GroupBalancer groups_{clock_, [] { return 0.5; }};
  std::shared_ptr<const RouterConfig> config_;
};

// A group call carrying the gateway's ids is bound to their provider: no group route.
TEST_F(GroupAttemptTest, ACallWithIdsIsNotRoutedToAGroup) {
  auto config = std::make_shared<RouterConfig>(*store_->Get());
  config->groups["g"] = GroupConfig{.name = "g", .deployments = {{"[a]m-a", "a", 1}}};
  v1::CallRequest request;
  request.set_endpoint("responses");
  request.set_body(R"({"model":"g","previous_response_id":"resp_llmsr.Yg.1"})");
  auto route = RouteToGroup(groups_, *config, request, ParseBody(request.body()));
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_FALSE(route->has_value());
  request.set_body(R"({"model":"g","previous_response_id":"resp_1"})");
  route = RouteToGroup(groups_, *config, request, ParseBody(request.body()));
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_TRUE(route->has_value());
}

// A failure before the first byte moves to the other deployment at once (no backoff),
// counted as an attempt; the balancer sees both attempts end.
TEST_F(GroupAttemptTest, AGroupCallMovesToTheNextDeploymentBeforeItsFirstByte) {
  Sink sink;
  auto runner = RunGroup(&sink, {.consecutive_failures = 1});
  http_.Fail(0, absl::UnavailableError("connection refused"));
  ASSERT_EQ(scheduler_.delays.size(), 1u);
  EXPECT_EQ(scheduler_.delays[0], absl::ZeroDuration());
  scheduler_.RunAll();
  ASSERT_EQ(http_.started.size(), 2u);
  EXPECT_EQ(http_.started[1]->request.url, "http://b/chat/completions");
  EXPECT_EQ(http_.started[1]->request.body, R"({"model":"m-b"})");
  http_.Respond(1, 200, {{"content-type", "application/json"}}, "{}");
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_TRUE(sink.status->ok());
  EXPECT_EQ(sink.messages.back().summary().attempts(), 2);
  auto health = groups_.Snapshot(config_->groups);
  ASSERT_EQ(health.size(), 2u);
  EXPECT_TRUE(health[0].ejected);  // one failure ejects with consecutive_failures: 1
  EXPECT_EQ(health[0].cause, "provider 'a': connection refused");
  EXPECT_EQ(health[0].in_flight, 0);
  EXPECT_EQ(health[1].in_flight, 0);
  EXPECT_EQ(health[1].calls, 1u);
}

// Every deployment failed: the last upstream's own answer reaches the client.
TEST_F(GroupAttemptTest, AGroupWhoseDeploymentsAllFailReturnsTheUpstreamsError) {
  Sink sink;
  auto runner = RunGroup(&sink);
  http_.Respond(0, 503, {{"content-type", "application/json"}}, R"({"error":"a down"})");
  scheduler_.RunAll();
  ASSERT_EQ(http_.started.size(), 2u);
  http_.Respond(1, 503, {{"content-type", "application/json"}}, R"({"error":"b down"})");
  scheduler_.RunAll();
  ASSERT_TRUE(sink.status.has_value());
  ASSERT_GE(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[0].head().status(), 503);
  EXPECT_EQ(sink.messages[1].data(), R"({"error":"b down"})");
  for (const auto& h : groups_.Snapshot(config_->groups)) EXPECT_EQ(h.in_flight, 0) << h.model;
}

// A cancel while the next deployment's attempt waits ends the call and frees its count.
TEST_F(GroupAttemptTest, ACancelBetweenDeploymentsReleasesTheAttempt) {
  Sink sink;
  auto runner = RunGroup(&sink);
  http_.Fail(0, absl::UnavailableError("connection refused"));
  ASSERT_EQ(scheduler_.pending.size(), 1u);
  runner->Cancel();
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_EQ(sink.status->code(), absl::StatusCode::kCancelled);
  scheduler_.RunAll();
  EXPECT_EQ(http_.started.size(), 1u);
  for (const auto& h : groups_.Snapshot(config_->groups)) EXPECT_EQ(h.in_flight, 0) << h.model;
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST_F(AttemptRunnerTest, AnUploadIsNeverRetriedNorSentToAFallback) {
  std::string form =
      "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n[a]whisper-1\r\n--B--\r\n";
  v1::CallRequest request;
  request.set_endpoint("audio/transcriptions");
  request.set_body(form);
  request.set_content_type("multipart/form-data; boundary=B");
  auto prepared = PrepareCall(store_->Get(), request);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  Sink sink;
  auto runner = std::make_shared<AttemptRunner>(deps_, request, *std::move(prepared), &sink);
  runner->Start();
  ASSERT_EQ(http_.started.size(), 1u);
  EXPECT_NE(http_.started[0]->request.body.find("\r\n\r\nwhisper-1\r\n"), std::string::npos);
  http_.Respond(0, 503, {{"content-type", "application/json"}}, "{}");
  EXPECT_TRUE(scheduler_.pending.empty());  // "a" has 2 retries and fallbacks: none used
  EXPECT_EQ(http_.started.size(), 1u);
  ASSERT_TRUE(sink.status.has_value());
  EXPECT_TRUE(sink.status->ok());  // the provider's 503 is the answer
  ASSERT_FALSE(sink.messages.empty());
  EXPECT_EQ(sink.messages[0].head().status(), 503);
}

}  // namespace
}  // namespace llmsrouter::router
