// RouterService over real gRPC on loopback: a direct client's call starts once its key was
// checked, and it runs on one of the router's I/O loops (never on the gRPC or auth thread
// that delivered the auth answer).
#include "services/router/router_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/grpc_server.h"
#include "common/loop_pool.h"
#include "common/scheduler.h"
#include "common/service_identity.h"
#include "common/testing/fake_auth_client.h"
#include "services/router/config_store.h"
#include "services/router/provider_limiter.h"

namespace llmsrouter::router {
namespace {

// Answers every request with a small JSON body, and records whether Start ran on an I/O loop.
// The answer comes on the same loop (posted), or, off the loops, from a thread of its own.
class LoopRecordingHttpClient : public HttpClient {
 public:
  ~LoopRecordingHttpClient() override {
    for (std::thread& t : threads_) t.join();
  }

  std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpResponseHandler* handler) override {
    IoLoop* loop = IoLoop::Current();
    {
      absl::MutexLock lock(&mu_);
      started_on_loop_.push_back(loop != nullptr);
    }
    auto answer = [handler] {
      handler->OnHeaders(200, {{"content-type", "application/json"}});
      handler->OnData(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})");
      handler->OnComplete(absl::OkStatus());
    };
    if (loop != nullptr) {
      loop->Post(answer);
    } else {
      absl::MutexLock lock(&mu_);
      threads_.emplace_back(answer);
    }
    return std::make_unique<Transfer>();
  }

  std::vector<bool> started_on_loop() {
    absl::MutexLock lock(&mu_);
    return started_on_loop_;
  }

 private:
  class Transfer : public HttpTransfer {
   public:
    void Cancel() override {}
    void Resume() override {}
  };

  absl::Mutex mu_;
  std::vector<bool> started_on_loop_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

class RouterServiceTest : public ::testing::Test {
 protected:
  RouterServiceTest() {
    auto config = std::make_shared<RouterConfig>();
    config->providers["p"] = ProviderConfig{.alias = "p", .url = "http://p"};
    store_ = std::make_unique<ConfigStore>(config);
    auth_.keys["llmr-alice"] = AuthInfo{"alice", {"p"}, false, ""};
    service_.emplace(RouterDeps{store_.get(), &http_, &SystemClock::Get(), &scheduler_, &limiter_,
                                [] { return 0.5; }});
    loops_.pool = &pool_;
    loops_.http.push_back(&http_);
    service_->SetLoops(&loops_, &http_);
    service_->RequireCallerAuth();
    service_->SetCallerAuth(&authorizer_);
    auto server = StartGrpcServer("127.0.0.1:0", {&*service_});
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = *std::move(server);
    stub_ = v1::RouterService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_.port), grpc::InsecureChannelCredentials()));
  }

  ~RouterServiceTest() override {
    if (server_.server) server_.server->Shutdown();
    pool_.Stop();
  }

  // Runs one Call with `key` (none when empty); the status and the messages received.
  grpc::Status Call(const std::string& key, std::vector<v1::CallResponse>* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
    v1::CallRequest request;
    request.set_endpoint("chat/completions");
    request.set_body(R"({"model":"[p]m","messages":[]})");
    request.set_user("mallory");  // a direct client's say-so: replaced by its key's user
    auto reader = stub_->Call(&context, request);
    v1::CallResponse message;
    while (reader->Read(&message)) out->push_back(message);
    return reader->Finish();
  }

  LoopPool pool_{1, "test"};
  LoopRecordingHttpClient http_;
  LoopDeps loops_;
  ThreadScheduler scheduler_;
  ProviderLimiter limiter_;
  std::unique_ptr<ConfigStore> store_;
  FakeAuthClient auth_;
  CallerTrust trust_{TrustPolicy{}};
  CallAuthorizer authorizer_{{.accounts = true}, &trust_, &auth_};
  std::optional<RouterService> service_;
  GrpcServer server_;
  std::unique_ptr<v1::RouterService::Stub> stub_;
};

TEST_F(RouterServiceTest, AuthenticatedDirectCallRunsOnAnIoLoop) {
  std::vector<v1::CallResponse> messages;
  grpc::Status status = Call("llmr-alice", &messages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The auth answer came on the gRPC thread; the upstream transfer started on the loop.
  EXPECT_EQ(http_.started_on_loop(), std::vector<bool>{true});
  ASSERT_GE(messages.size(), 2u);
  EXPECT_TRUE(messages.front().has_head());
  EXPECT_EQ(messages.front().head().status(), 200);
  EXPECT_TRUE(messages.back().has_summary());
  EXPECT_EQ(messages.back().summary().usage().completion_tokens(), 2);
}

TEST_F(RouterServiceTest, CallWithoutKeyNeverReachesTheUpstream) {
  std::vector<v1::CallResponse> messages;
  grpc::Status status = Call("", &messages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_TRUE(messages.empty());
  EXPECT_TRUE(http_.started_on_loop().empty());
}

}  // namespace
}  // namespace llmsrouter::router
