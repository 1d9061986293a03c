#include "common/tracer_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/grpc_channel.h"
#include "common/grpc_server.h"

namespace llmsrouter {
namespace {

// The tracer's Record over real gRPC: remembers request ids, fails while `down`.
class FakeTracer final : public tracer::v1::TracerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Record(grpc::CallbackServerContext* context,
                                   const tracer::v1::RecordRequest* request,
                                   tracer::v1::RecordResponse*) override {
    auto* reactor = context->DefaultReactor();
    absl::MutexLock lock(&mu_);
    ++calls_;
    if (failures_left_ > 0 || down_) {
      --failures_left_;
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "tracer down"));
      return reactor;
    }
    for (const auto& event : request->events()) ids_.push_back(event.request_id());
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  void Fail(int times) {
    absl::MutexLock lock(&mu_);
    failures_left_ = times;
  }
  void SetDown(bool down) {
    absl::MutexLock lock(&mu_);
    down_ = down;
  }
  std::vector<std::string> ids() {
    absl::MutexLock lock(&mu_);
    return ids_;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> ids_ ABSL_GUARDED_BY(mu_);
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

tracer::v1::TraceEvent Event(int i) {
  tracer::v1::TraceEvent event;
  event.set_request_id("r" + std::to_string(i));
  return event;
}

class TracerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = StartGrpcServer("127.0.0.1:0", {&tracer_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = MakeServiceChannel("127.0.0.1:" + std::to_string(server_.port));
  }
  void TearDown() override {
    if (server_.server) server_.server->Shutdown();
  }
  // Triggers are count and Flush only: the linger is an hour, retries follow at once.
  GrpcTracerClient::Options Quick(size_t capacity = 100, size_t max_batch = 3) {
    return {capacity, max_batch, absl::Hours(1), absl::ZeroDuration(), absl::ZeroDuration()};
  }

  FakeTracer tracer_;
  GrpcServer server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TracerClientTest, ShipsInBatchesInOrderThroughFailures) {
  tracer_.Fail(2);
  GrpcTracerClient client(channel_, Quick());
  for (int i = 0; i < 7; ++i) client.Record(Event(i));
  ASSERT_TRUE(client.Flush(absl::Seconds(30)));
  EXPECT_EQ(tracer_.ids(), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5", "r6"}));
  EXPECT_EQ(client.shipped(), 7u);
  EXPECT_EQ(client.dropped(), 0u);
  EXPECT_EQ(client.queued(), 0u);
  EXPECT_GE(tracer_.calls(), 3 + 2);  // 7 events in batches of 3, after two refusals
}

TEST_F(TracerClientTest, WhileTheTracerIsDownTheBufferKeepsTheNewest) {
  tracer_.SetDown(true);
  {
    GrpcTracerClient client(channel_, Quick(/*capacity=*/4, /*max_batch=*/100));
    for (int i = 0; i < 6; ++i) client.Record(Event(i));
    EXPECT_EQ(client.dropped(), 2u);  // r0 and r1
    EXPECT_FALSE(client.Flush(absl::Milliseconds(1)));
    tracer_.SetDown(false);
    ASSERT_TRUE(client.Flush(absl::Seconds(30)));
    EXPECT_EQ(client.shipped(), 4u);
  }
  EXPECT_EQ(tracer_.ids(), (std::vector<std::string>{"r2", "r3", "r4", "r5"}));
}

TEST_F(TracerClientTest, DestructionShipsWhatIsQueued) {
  {
    GrpcTracerClient client(channel_, Quick(100, 100));
    client.Record(Event(1));
    client.Record(Event(2));
  }
  EXPECT_EQ(tracer_.ids(), (std::vector<std::string>{"r1", "r2"}));
}

}  // namespace
}  // namespace llmsrouter
