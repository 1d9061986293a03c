#include "services/allinone/local_router_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/fake_scheduler.h"
#include "services/router/testing/fake_http_client.h"

namespace llmsrouter::allinone {
namespace {

using router::v1::CallRequest;
using router::v1::CallResponse;

// Records what the gateway would see. With `auto_next` it asks for the next message from
// inside OnMessage, as the gateway does for messages that write nothing to the socket.
class Observer : public gateway::CallObserver {
 public:
  explicit Observer(bool auto_next) : auto_next_(auto_next) {}
  void Attach(std::shared_ptr<gateway::RouterStream> stream) override {
    stream_ = std::move(stream);
  }
  void OnMessage(CallResponse message) override {
    ASSERT_FALSE(status.has_value()) << "message after OnFinish";
    if (cancel_on_message) {
      Cancel();  // from inside the call's own callback
      return;
    }
    ASSERT_FALSE(outstanding_) << "a message while the previous one was not taken";
    messages.push_back(std::move(message));
    outstanding_ = true;
    if (auto_next_) Next();
  }
  void OnFinish(absl::Status s) override {
    ASSERT_FALSE(status.has_value()) << "OnFinish twice";
    status = std::move(s);
  }
  void Next() {
    outstanding_ = false;
    stream_->Next();
  }
  void Cancel() { stream_->Cancel(); }

  std::vector<CallResponse> messages;
  std::optional<absl::Status> status;
  bool cancel_on_message = false;

 private:
  bool auto_next_;
  bool outstanding_ = false;
  std::shared_ptr<gateway::RouterStream> stream_;  // kept after the end, as ProxyCall may
};

class LocalRouterClientTest : public ::testing::Test {
 protected:
  LocalRouterClientTest() {
    auto config = std::make_shared<router::RouterConfig>();
    router::ProviderConfig p{.alias = "p", .url = "http://p"};
    p.retry.max_retries = 1;
    config->providers["p"] = p;
    config->providers["q"] =
        router::ProviderConfig{.alias = "q", .url = "http://q", .max_connections = 1};
    store_ = std::make_unique<router::ConfigStore>(config);
    service_.emplace(router::RouterDeps{store_.get(), &http_, &SystemClock::Get(), &scheduler_,
                                        &limiter_, [] { return 0.5; }});
    client_.emplace(&*service_);
  }

  std::shared_ptr<Observer> Start(const std::string& body, bool auto_next) {
    CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(body);
    auto observer = std::make_shared<Observer>(auto_next);
    client_->StartCall(request, observer);
    return observer;
  }

  router::FakeHttpClient http_;
  FakeScheduler scheduler_;
  router::ProviderLimiter limiter_;
  std::unique_ptr<router::ConfigStore> store_;
  std::optional<router::RouterService> service_;
  std::optional<LocalRouterClient> client_;
};

TEST_F(LocalRouterClientTest, WholeAnswerArrivesInOrderWithoutRecursingOrDeadlocking) {
  auto observer = Start(R"({"model":"[p]m","messages":[]})", /*auto_next=*/true);
  ASSERT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(http_.started[0]->request.url, "http://p/chat/completions");
  http_.Respond(0, 200, {{"content-type", "application/json"}},
                R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}})");
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_TRUE(observer->status->ok()) << *observer->status;
  ASSERT_GE(observer->messages.size(), 3u);
  EXPECT_TRUE(observer->messages.front().has_head());
  EXPECT_EQ(observer->messages.front().head().status(), 200);
  EXPECT_TRUE(observer->messages.back().has_summary());
  EXPECT_EQ(observer->messages.back().summary().usage().completion_tokens(), 4);
}

TEST_F(LocalRouterClientTest, OneMessageAtATimeAndBackpressureReachesTheUpstream) {
  auto observer = Start(R"({"model":"[p]m","stream":true,"messages":[]})", /*auto_next=*/false);
  auto& handler = *http_.started.at(0)->handler;
  handler.OnHeaders(200, {{"content-type", "text/event-stream"}});
  EXPECT_EQ(observer->messages.size(), 1u);  // the head, waiting for Next()
  // The reader does not ask for more: the pipe fills up and refuses bytes (pausing curl).
  bool refused = false;
  std::string event = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
  for (int i = 0; i < 1000 && !refused; ++i) refused = !handler.OnData(event);
  EXPECT_TRUE(refused);
  EXPECT_EQ(observer->messages.size(), 1u);
  // Reading on drains the queue and resumes the transfer.
  while (!http_.started[0]->resumed) {
    size_t before = observer->messages.size();
    observer->Next();
    ASSERT_EQ(observer->messages.size(), before + 1);
  }
  EXPECT_FALSE(observer->status.has_value());
  observer->Cancel();
  EXPECT_TRUE(http_.started[0]->cancelled);
  http_.CancelPending();  // the HTTP client's completion of the aborted transfer
  EXPECT_FALSE(observer->status.has_value());  // a message is still out with the reader
  observer->Next();
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kCancelled);
}

TEST_F(LocalRouterClientTest, UnresolvableModelFinishesAtOnceWithTheRoutersError) {
  auto observer = Start(R"({"model":"[nope]m","messages":[]})", /*auto_next=*/true);
  EXPECT_TRUE(http_.started.empty());
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_FALSE(observer->status->ok());
  EXPECT_NE(observer->status->message().find("nope"), std::string::npos) << *observer->status;
  EXPECT_TRUE(observer->messages.empty());
}

TEST_F(LocalRouterClientTest, CancelWhileWaitingToRetryFinishesTheCall) {
  auto observer = Start(R"({"model":"[p]m","messages":[]})", /*auto_next=*/true);
  http_.Respond(0, 503, {}, "busy");
  ASSERT_EQ(scheduler_.pending.size(), 1u);  // the retry's backoff
  EXPECT_FALSE(observer->status.has_value());
  observer->Cancel();  // completes the call on this thread, from inside the cancel
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kCancelled);
  scheduler_.RunAll();  // the backoff firing later starts nothing
  EXPECT_EQ(http_.started.size(), 1u);
}

TEST_F(LocalRouterClientTest, CancelWhileQueuedForAProviderSlotLeavesTheQueue) {
  // One call holds the only slot of "q"; the next waits in the queue and gives up there.
  auto holder = Start(R"({"model":"[q]m","messages":[]})", /*auto_next=*/true);
  ASSERT_EQ(http_.started.size(), 1u);
  auto queued = Start(R"({"model":"[q]m","messages":[]})", /*auto_next=*/true);
  EXPECT_EQ(http_.started.size(), 1u);
  EXPECT_EQ(limiter_.waiting("q"), 1);
  queued->Cancel();  // completes from inside the cancel, on this thread
  ASSERT_TRUE(queued->status.has_value());
  EXPECT_EQ(queued->status->code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(limiter_.waiting("q"), 0);
  http_.Respond(0, 200, {}, R"({"choices":[]})");
  ASSERT_TRUE(holder->status.has_value());
  EXPECT_EQ(http_.started.size(), 1u);    // the abandoned call never started
  EXPECT_EQ(limiter_.in_flight("q"), 0);  // no slot leaked
  auto next = Start(R"({"model":"[q]m","messages":[]})", /*auto_next=*/true);
  EXPECT_EQ(http_.started.size(), 2u);  // the slot is free for the next call
  http_.Respond(1, 200, {}, R"({"choices":[]})");
  EXPECT_TRUE(next->status.has_value());
}

TEST_F(LocalRouterClientTest, TransferCompletingInsideCancelMidStreamFinishesOnce) {
  http_.complete_inside_cancel = true;
  auto observer = Start(R"({"model":"[p]m","stream":true,"messages":[]})", /*auto_next=*/false);
  auto& handler = *http_.started.at(0)->handler;
  handler.OnHeaders(200, {{"content-type", "text/event-stream"}});
  handler.OnData("data: {\"choices\":[]}\n\n");
  observer->Next();
  observer->Cancel();  // the transfer completes inside; a message may still be out
  EXPECT_TRUE(http_.started[0]->cancelled);
  if (!observer->status.has_value()) observer->Next();
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kCancelled);
  observer->Cancel();  // after the end: nothing happens
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kCancelled);
}

TEST_F(LocalRouterClientTest, CancelFromInsideTheObserversOwnCallback) {
  http_.complete_inside_cancel = true;
  auto observer = Start(R"({"model":"[p]m","stream":true,"messages":[]})", /*auto_next=*/false);
  observer->cancel_on_message = true;
  http_.started.at(0)->handler->OnHeaders(200, {{"content-type", "text/event-stream"}});
  EXPECT_TRUE(http_.started[0]->cancelled);
  observer->Next();  // the head was handed over before the cancel: take it
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kCancelled);
}

// Direct gRPC clients skip the gateway's checks: the router refuses hostile nesting itself.
TEST_F(LocalRouterClientTest, DeeplyNestedBodyFailsWithoutGoingUpstream) {
  auto observer = Start(
      R"({"model":"[p]m","messages":)" + std::string(100000, '[') + std::string(100000, ']') + "}",
      /*auto_next=*/true);
  EXPECT_TRUE(http_.started.empty());
  ASSERT_TRUE(observer->status.has_value());
  EXPECT_EQ(observer->status->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(observer->status->message().find("128 levels"), std::string::npos);
}

TEST_F(LocalRouterClientTest, ListsTheConfiguredModels) {
  std::optional<absl::StatusOr<router::v1::ListModelsResponse>> got;
  client_->ListModels({}, [&](auto response) { got = std::move(response); });
  ASSERT_EQ(http_.started.size(), 2u);  // providers p and q
  for (size_t i = 0; i < 2; ++i) {
    bool p = http_.started[i]->request.url.starts_with("http://p/");
    http_.Respond(i, 200, {},
                  p ? R"({"object":"list","data":[{"id":"m1","object":"model"}]})"
                    : R"({"object":"list","data":[]})");
  }
  ASSERT_TRUE(got.has_value() && got->ok());
  ASSERT_EQ((*got)->models_size(), 1);
  EXPECT_EQ((*got)->models(0).id(), "[p]m1");
}

// The reader takes each message on another thread (as the gateway does), racing the upstream
// completing the call on this one. Run under ASan by the sanitizer gate: a call closed by
// one thread while another still touches it shows up there as a use after free.
TEST_F(LocalRouterClientTest, ReaderOnAnotherThreadRacingTheCompletionIsSafe) {
  struct Worker {
    absl::Mutex mu;
    std::deque<std::function<void()>> work ABSL_GUARDED_BY(mu);
    bool stop ABSL_GUARDED_BY(mu) = false;
    void Post(std::function<void()> fn) {
      absl::MutexLock lock(&mu);
      work.push_back(std::move(fn));
    }
    void Run() {
      for (;;) {
        std::function<void()> fn;
        {
          absl::MutexLock lock(&mu);
          mu.Await(absl::Condition(
              +[](Worker* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->stop || !w->work.empty(); },
              this));
          if (work.empty()) return;
          fn = std::move(work.front());
          work.pop_front();
        }
        fn();
      }
    }
  } worker;
  class ThreadedObserver : public gateway::CallObserver {
   public:
    ThreadedObserver(Worker* worker, std::atomic<int>* finished)
        : worker_(worker), finished_(finished) {}
    void Attach(std::shared_ptr<gateway::RouterStream> stream) override {
      stream_ = std::move(stream);
    }
    void OnMessage(CallResponse) override {
      worker_->Post([stream = stream_] { stream->Next(); });
    }
    void OnFinish(absl::Status) override { finished_->fetch_add(1); }

   private:
    Worker* worker_;
    std::atomic<int>* finished_;
    std::shared_ptr<gateway::RouterStream> stream_;
  };
  std::thread reader([&] { worker.Run(); });
  std::atomic<int> finished{0};
  constexpr int kCalls = 300;
  for (int i = 0; i < kCalls; ++i) {
    CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(R"({"model":"[p]m","stream":true,"messages":[]})");
    client_->StartCall(request, std::make_shared<ThreadedObserver>(&worker, &finished));
    auto& handler = *http_.started.back()->handler;
    handler.OnHeaders(200, {{"content-type", "text/event-stream"}});
    for (int c = 0; c < 3; ++c) handler.OnData("data: {\"choices\":[]}\n\n");
    http_.started.back()->done = true;
    handler.OnComplete(absl::OkStatus());
  }
  {
    absl::MutexLock lock(&worker.mu);
    worker.mu.Await(absl::Condition(
        +[](std::atomic<int>* f) { return f->load() == kCalls; }, &finished));
    worker.stop = true;
  }
  reader.join();
  EXPECT_EQ(finished.load(), kCalls);
}

}  // namespace
}  // namespace llmsrouter::allinone
