#include "services/router/call_pipe.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/testing/fake_scheduler.h"
#include "services/router/testing/fake_http_client.h"
#include "services/router/testing/fake_limits_client.h"

namespace llmsrouter::router {
namespace {

// Writes every message at once and keeps what it got.
class RecordingPipe : public CallPipe<v1::CallResponse> {
 public:
  std::vector<v1::CallResponse> written;
  std::optional<absl::Status> closed;
  using CallPipe::CancelByReader;  // the reader leaving, for tests

 protected:
  void Translate(v1::CallResponse message, std::vector<v1::CallResponse>* out) override {
    out->push_back(std::move(message));
  }
  void WriteMessage(v1::CallResponse* message) override {
    written.push_back(std::move(*message));
    WriteDone(true);
  }
  void CloseCall(const absl::Status& status) override { closed = status; }
};

class CallPipeTest : public ::testing::Test {
 protected:
  CallPipeTest() {
    auto config = std::make_shared<RouterConfig>();
    config->providers["a"] = ProviderConfig{.alias = "a", .url = "http://a"};
    store_ = std::make_unique<ConfigStore>(config);
    deps_ = RouterDeps{store_.get(), &http_,    &SystemClock::Get(),
                       &scheduler_,  &limiter_, [] { return 0.5; }};
  }

  // Runs a call with `request_id` to the end; returns the id the upstream and the head saw.
  std::pair<std::string, std::string> IdsOf(const std::string& request_id) {
    v1::CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(R"({"model":"[a]m"})");
    request.set_request_id(request_id);
    RecordingPipe pipe;
    pipe.StartUpstream(deps_, request);
    EXPECT_EQ(http_.started.size(), 1u);
    if (http_.started.empty()) return {};
    std::string upstream;
    for (const auto& [name, value] : http_.started[0]->request.headers) {
      if (name == "X-Request-Id") upstream = value;
    }
    http_.Respond(0, 200, {{"content-type", "application/json"}}, "{}");
    EXPECT_TRUE(pipe.closed.has_value() && pipe.closed->ok());
    EXPECT_FALSE(pipe.written.empty());
    http_.started.clear();
    return {upstream, pipe.written.empty() ? "" : pipe.written[0].head().request_id()};
  }

  FakeHttpClient http_;
  FakeScheduler scheduler_;
  ProviderLimiter limiter_;
  std::unique_ptr<ConfigStore> store_;
  RouterDeps deps_;
};

TEST_F(CallPipeTest, ARequestWithoutAnIdGetsOneUsedUpstreamAndInTheHead) {
  auto [upstream, head] = IdsOf("");
  EXPECT_TRUE(upstream.starts_with("req_")) << upstream;
  EXPECT_EQ(head, upstream);
  auto [second, unused] = IdsOf("");
  EXPECT_NE(second, upstream);  // a new one per call
}

TEST_F(CallPipeTest, TheCallersRequestIdIsKept) {
  auto [upstream, head] = IdsOf("mine-1");
  EXPECT_EQ(upstream, "mine-1");
  EXPECT_EQ(head, "mine-1");
}

TEST_F(CallPipeTest, AClientThatLeftDuringTheAdmissionStartsNothingUpstreamAndIsRefunded) {
  testing::FakeLimitsClient limits;
  auth::v1::AdmitResponse admitted;
  admitted.set_admitted(true);
  admitted.set_reservation("r");
  limits.SetAnswer(admitted);
  limits.SetDeferred(true);
  deps_.meter = MeterOptions{.client = &limits};
  v1::CallRequest request;
  request.set_endpoint("chat/completions");
  request.set_body(R"({"model":"[a]m"})");
  request.set_request_id("r-1");
  request.set_user("alice");
  request.mutable_limits()->set_rpm(5);
  RecordingPipe pipe;
  pipe.StartUpstream(deps_, request);
  ASSERT_EQ(limits.admits().size(), 1u);
  pipe.CancelByReader();
  limits.AnswerPending();  // admitted after the client left
  EXPECT_TRUE(http_.started.empty());
  ASSERT_TRUE(pipe.closed.has_value());
  EXPECT_EQ(pipe.closed->code(), absl::StatusCode::kCancelled);
  auto settles = limits.settles();
  ASSERT_EQ(settles.size(), 1u);  // the reservation is released
  EXPECT_FALSE(settles[0].charged());
  EXPECT_EQ(settles[0].reservation(), "r");
}

}  // namespace
}  // namespace llmsrouter::router
