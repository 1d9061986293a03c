// RouterService.Chat (ChatReactor) over real gRPC on loopback, with an upstream fake that
// answers synchronously: inside Start(), and inside Cancel(). Tries the dangerous orders: the
// reader cancelling before the upstream started, mid-stream (the transfer completing inside
// Cancel() on the gRPC thread), and racing the upstream's own completion.
#include "services/router/chat_reactor.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/grpc_server.h"
#include "common/loop_pool.h"
#include "common/scheduler.h"
#include "services/router/config_store.h"
#include "services/router/provider_limiter.h"
#include "services/router/router_service.h"

namespace llmsrouter::router {
namespace {

// Polls `condition` until it holds or 10 s passed.
bool WaitFor(const std::function<bool()>& condition) {
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return condition();
}

std::string Sse(const std::string& json) { return "data: " + json + "\n\n"; }

// The upstream. kAnswer: the whole answer inside Start(). kFail: OnComplete(UNAVAILABLE)
// inside Start(). kHold: the head and `first` inside Start(), the rest when the test says
// (posted to the transfer's loop) — or OnComplete(CANCELLED) inside Cancel(), whichever
// comes first; each transfer completes exactly once.
class SyncHttpClient : public HttpClient {
 public:
  enum class Mode { kAnswer, kFail, kHold };

  struct Call {
    HttpResponseHandler* handler = nullptr;
    IoLoop* loop = nullptr;
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
    bool cancelled ABSL_GUARDED_BY(mu) = false;
    int completions ABSL_GUARDED_BY(mu) = 0;
    // Claims the single completion.
    bool Claim(bool by_cancel) {
      absl::MutexLock lock(&mu);
      if (done) return false;
      done = true;
      cancelled = by_cancel;
      ++completions;
      return true;
    }
  };

  Mode mode = Mode::kAnswer;
  int status = 200;
  std::string first;  // kHold: sent inside Start()
  std::string rest;   // the remaining body (kAnswer: the whole body is first + rest)

  std::unique_ptr<HttpTransfer> Start(HttpRequest, HttpResponseHandler* handler) override {
    auto call = std::make_shared<Call>();
    call->handler = handler;
    call->loop = IoLoop::Current();
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back(call);
    }
    if (mode == Mode::kFail) {
      if (call->Claim(false)) handler->OnComplete(absl::UnavailableError("connect refused"));
    } else {
      handler->OnHeaders(
          status, {{"content-type", status == 200 ? "text/event-stream" : "application/json"}});
      if (!first.empty()) handler->OnData(first);
      if (mode == Mode::kAnswer) Finish(*call);
    }
    return std::make_unique<Transfer>(call);
  }

  // kHold: the rest of the answer, on the transfer's loop.
  void CompleteHeld(size_t i) {
    std::shared_ptr<Call> call = calls().at(i);
    call->loop->Post([this, call] { Finish(*call); });
  }

  std::vector<std::shared_ptr<Call>> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  void Finish(Call& call) {
    if (!call.Claim(false)) return;
    if (!rest.empty()) call.handler->OnData(rest);
    call.handler->OnComplete(absl::OkStatus());
  }

  class Transfer : public HttpTransfer {
   public:
    explicit Transfer(std::shared_ptr<Call> call) : call_(std::move(call)) {}
    void Cancel() override {
      if (call_->Claim(true)) call_->handler->OnComplete(absl::CancelledError("cancelled"));
    }
    void Resume() override {}

   private:
    std::shared_ptr<Call> call_;
  };

  absl::Mutex mu_;
  std::vector<std::shared_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
};

// An AuthClient whose answers wait until the test releases them (from its own thread).
class HeldAuthClient : public AuthClient {
 public:
  void Authenticate(const std::string&, const std::string&, AuthCallback done) override {
    absl::MutexLock lock(&mu_);
    held_.push_back(std::move(done));
  }
  void SetBypass(const std::string&, const std::string&, const std::string& model,
                 BypassCallback done) override {
    done(model);
  }
  void GetBypass(const std::string&, const std::string&, BypassCallback done) override {
    done(std::string());
  }
  size_t held() {
    absl::MutexLock lock(&mu_);
    return held_.size();
  }
  void ReleaseAll() {
    std::vector<AuthCallback> held;
    {
      absl::MutexLock lock(&mu_);
      held.swap(held_);
    }
    for (auto& done : held) done(AuthInfo{"alice", {"p"}, false, ""});
  }

 private:
  absl::Mutex mu_;
  std::vector<AuthCallback> held_ ABSL_GUARDED_BY(mu_);
};

const char kChunk1[] =
    R"({"id":"c","model":"up-model","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]})";
const char kChunk2[] =
    R"({"id":"c","model":"up-model","choices":[{"index":0,"delta":{"content":"lo","reasoning_content":"hm"},"finish_reason":"stop"}]})";
const char kUsage[] =
    R"({"id":"c","model":"up-model","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

class ChatReactorTest : public ::testing::Test {
 protected:
  void StartServer(bool held_auth) {
    auto config = std::make_shared<RouterConfig>();
    ProviderConfig provider{.alias = "p", .url = "http://p"};
    provider.retry.max_retries = 0;
    config->providers["p"] = provider;
    store_ = std::make_unique<ConfigStore>(config);
    service_.emplace(RouterDeps{store_.get(), &http_, &SystemClock::Get(), &scheduler_, &limiter_,
                                [] { return 0.5; }});
    loops_.pool = &pool_;
    loops_.http.push_back(&http_);
    service_->SetLoops(&loops_, &http_);
    if (held_auth) {
      service_->RequireCallerAuth();
      service_->SetCallerAuth(&authorizer_);
    }
    auto server = StartGrpcServer("127.0.0.1:0", {&*service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::RouterService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_.port), grpc::InsecureChannelCredentials()));
  }

  ~ChatReactorTest() override {
    stub_.reset();
    // Shutdown waits for every reactor to finish: a call never closed hangs the test here.
    if (server_.server) server_.server->Shutdown();
    pool_.Stop();
  }

  static v1::ChatRequest Request() {
    v1::ChatRequest request;
    request.set_model("[p]m");
    auto* message = request.add_messages();
    message->set_role("user");
    message->set_content("hi");
    return request;
  }

  grpc::Status Chat(std::vector<v1::ChatEvent>* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer llmr-alice");
    auto reader = stub_->Chat(&context, Request());
    v1::ChatEvent event;
    while (reader->Read(&event)) out->push_back(event);
    return reader->Finish();
  }

  SyncHttpClient http_;
  LoopPool pool_{1, "test"};
  LoopDeps loops_;
  ThreadScheduler scheduler_;
  ProviderLimiter limiter_;
  std::unique_ptr<ConfigStore> store_;
  HeldAuthClient auth_;
  CallerTrust trust_{TrustPolicy{}};
  CallAuthorizer authorizer_{{.accounts = true}, &trust_, &auth_};
  std::optional<RouterService> service_;
  GrpcServer server_;
  std::unique_ptr<v1::RouterService::Stub> stub_;
};

TEST_F(ChatReactorTest, TranslatesAnAnswerCompletedInsideStart) {
  http_.first = Sse(kChunk1) + Sse(kChunk2).substr(0, 20);  // an event split across reads
  http_.rest = Sse(kChunk2).substr(20) + Sse(kUsage) + "data: [DONE]\n\n";
  StartServer(false);
  std::vector<v1::ChatEvent> events;
  grpc::Status status = Chat(&events);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(events.size(), 3u);  // [DONE] is no event
  EXPECT_EQ(events[0].role(), "assistant");
  EXPECT_EQ(events[0].content_delta(), "Hel");
  EXPECT_EQ(events[0].upstream_model(), "up-model");
  EXPECT_EQ(events[1].content_delta(), "lo");
  EXPECT_EQ(events[1].reasoning_delta(), "hm");
  EXPECT_EQ(events[1].finish_reason(), "stop");
  EXPECT_EQ(events[2].usage().total_tokens(), 5);
  EXPECT_EQ(events[2].raw_json(), kUsage);
}

TEST_F(ChatReactorTest, AnUpstreamErrorBecomesTheStatusWithItsMessage) {
  http_.status = 429;
  http_.rest = R"({"error":{"message":"slow down","type":"rate_limit_error"}})";
  StartServer(false);
  std::vector<v1::ChatEvent> events;
  grpc::Status status = Chat(&events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(status.error_message(), "upstream answered 429: slow down");
  EXPECT_TRUE(events.empty());
}

TEST_F(ChatReactorTest, AnUpstreamErrorThatIsNotJsonIsQuoted) {
  http_.status = 503;
  http_.rest = "<html>down</html>";
  StartServer(false);
  std::vector<v1::ChatEvent> events;
  grpc::Status status = Chat(&events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "upstream answered 503: <html>down</html>");
}

TEST_F(ChatReactorTest, ATransferFailingInsideStartEndsTheCall) {
  http_.mode = SyncHttpClient::Mode::kFail;
  StartServer(false);
  std::vector<v1::ChatEvent> events;
  grpc::Status status = Chat(&events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(http_.calls().size(), 1u);
}

TEST_F(ChatReactorTest, ABadExtraJsonIsRefusedBeforeTheUpstream) {
  StartServer(false);
  grpc::ClientContext context;
  v1::ChatRequest request = Request();
  request.set_extra_json("[1,2]");
  auto reader = stub_->Chat(&context, request);
  v1::ChatEvent event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "extra_json must be a JSON object");
  EXPECT_TRUE(http_.calls().empty());
}

// The reader leaves while the upstream streams: the transfer is cancelled from the gRPC
// thread and completes inside Cancel(); the call closes (else the fixture's Shutdown hangs).
TEST_F(ChatReactorTest, ReaderCancelsMidStreamAndTheTransferCompletesInsideCancel) {
  http_.mode = SyncHttpClient::Mode::kHold;
  http_.first = Sse(kChunk1);
  StartServer(false);
  grpc::ClientContext context;
  auto reader = stub_->Chat(&context, Request());
  v1::ChatEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.content_delta(), "Hel");
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitFor([&] {
    auto call = http_.calls().at(0);
    absl::MutexLock lock(&call->mu);
    return call->cancelled;
  }));
  auto call = http_.calls().at(0);
  absl::MutexLock lock(&call->mu);
  EXPECT_EQ(call->completions, 1);
}

// The reader leaves while its caller is still being authenticated: once the auth answers,
// nothing goes upstream (or, if the cancellation reached the call only after the transfer
// started, that transfer is cancelled), and the call closes.
TEST_F(ChatReactorTest, ReaderCancelsBeforeTheUpstreamStarts) {
  http_.mode = SyncHttpClient::Mode::kHold;
  StartServer(true);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer llmr-alice");
  auto reader = stub_->Chat(&context, Request());
  ASSERT_TRUE(WaitFor([&] { return auth_.held() == 1; }));
  context.TryCancel();
  v1::ChatEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  auth_.ReleaseAll();
  // The call ends either way: no transfer, or one cancelled.
  EXPECT_TRUE(WaitFor([&] {
    for (const auto& call : http_.calls()) {
      absl::MutexLock lock(&call->mu);
      if (!call->cancelled) return false;
    }
    return true;
  }));
}

// The upstream's completion (on the loop) and the reader's cancellation (on a gRPC thread)
// race, many times: exactly one completion per transfer, the call always closes.
TEST_F(ChatReactorTest, CompletionRacesTheReadersCancel) {
  http_.mode = SyncHttpClient::Mode::kHold;
  http_.first = Sse(kChunk1);
  http_.rest = Sse(kChunk2) + "data: [DONE]\n\n";
  StartServer(false);
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext context;
    auto reader = stub_->Chat(&context, Request());
    v1::ChatEvent event;
    ASSERT_TRUE(reader->Read(&event));
    http_.CompleteHeld(i);
    context.TryCancel();
    while (reader->Read(&event)) {
    }
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::CANCELLED)
        << status.error_message();
    auto call = http_.calls().at(i);
    ASSERT_TRUE(WaitFor([&] {
      absl::MutexLock lock(&call->mu);
      return call->done;
    }));
    absl::MutexLock lock(&call->mu);
    EXPECT_EQ(call->completions, 1);
  }
}

}  // namespace
}  // namespace llmsrouter::router
