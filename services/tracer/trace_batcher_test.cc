#include "services/tracer/trace_batcher.h"

#include <gtest/gtest.h>

#include <deque>

#include "absl/synchronization/mutex.h"

namespace llmsrouter::tracer {
namespace {

// Records batches; answers with scripted statuses (OK once the script is exhausted).
class FakeExporter : public TraceExporter {
 public:
  absl::Status Export(const std::vector<v1::TraceEvent>& events, absl::Duration*) override {
    absl::MutexLock lock(&mu);
    batches.push_back(events);
    if (script.empty()) return absl::OkStatus();
    absl::Status s = script.front();
    script.pop_front();
    return s;
  }
  std::string name() const override { return "fake"; }
  size_t exported_events() {
    absl::MutexLock lock(&mu);
    size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
  }
  absl::Mutex mu;
  std::vector<std::vector<v1::TraceEvent>> batches;
  std::deque<absl::Status> script;
};

std::vector<v1::TraceEvent> Events(int n, int first = 0) {
  std::vector<v1::TraceEvent> out(n);
  for (int i = 0; i < n; ++i) out[i].set_request_id("r" + std::to_string(first + i));
  return out;
}

BatcherOptions Fast() {
  BatcherOptions o;
  o.max_batch_events = 10;
  o.max_age = absl::Milliseconds(20);
  o.base_backoff = absl::Milliseconds(1);
  o.max_backoff = absl::Milliseconds(5);
  return o;
}

TEST(TraceBatcherTest, BatchesByCountAndFlushesOnShutdown) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  BatcherOptions options = Fast();
  options.max_age = absl::Hours(1);  // only count and shutdown can trigger
  TraceBatcher batcher(std::move(exporter), options, [] { return 0.5; });
  batcher.Add(Events(25));
  EXPECT_TRUE(batcher.Shutdown(absl::Seconds(5)));
  EXPECT_EQ(fake->exported_events(), 25u);
  EXPECT_EQ(fake->batches[0].size(), 10u);
  EXPECT_EQ(batcher.dropped(), 0u);
}

TEST(TraceBatcherTest, RetriesTransientFailuresInOrderAndLosesNothing) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  fake->script = {absl::UnavailableError("500"), absl::ResourceExhaustedError("429")};
  TraceBatcher batcher(std::move(exporter), Fast(), [] { return 0.5; });
  batcher.Add(Events(3));
  EXPECT_TRUE(batcher.Shutdown(absl::Seconds(5)));
  ASSERT_EQ(fake->batches.size(), 3u);  // two failures, then success
  EXPECT_EQ(fake->batches[2][0].request_id(), "r0");
  EXPECT_EQ(batcher.exported(), 3u);
  EXPECT_EQ(batcher.failed_exports(), 2u);
}

TEST(TraceBatcherTest, DropsABatchTheServerRefuses) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  fake->script = {absl::InvalidArgumentError("400")};
  TraceBatcher batcher(std::move(exporter), Fast(), [] { return 0.5; });
  batcher.Add(Events(2));
  batcher.Shutdown(absl::Seconds(5));
  EXPECT_EQ(fake->batches.size(), 1u);  // no retry on 400
  EXPECT_EQ(batcher.dropped(), 2u);
}

TEST(TraceBatcherTest, BoundedQueueDropsTheOldest) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  for (int i = 0; i < 1000; ++i) fake->script.push_back(absl::UnavailableError("down"));
  BatcherOptions options = Fast();
  options.capacity = 5;
  TraceBatcher batcher(std::move(exporter), options, [] { return 0.5; });
  batcher.Add(Events(8));
  EXPECT_GE(batcher.dropped(), 3u);
  EXPECT_LE(batcher.queued(), 5u);
  batcher.Shutdown(absl::Milliseconds(50));
}

TEST(TraceBatcherTest, PrivacyModeDropsInputAndOutput) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  BatcherOptions options = Fast();
  options.content = false;
  TraceBatcher batcher(std::move(exporter), options, [] { return 0.5; });
  auto events = Events(1);
  events[0].set_input_json("secret prompt");
  events[0].set_output_json("secret answer");
  events[0].mutable_usage()->set_total_tokens(9);
  batcher.Add(events);
  batcher.Shutdown(absl::Seconds(5));
  ASSERT_EQ(fake->batches.size(), 1u);
  EXPECT_EQ(fake->batches[0][0].input_json(), "");
  EXPECT_EQ(fake->batches[0][0].output_json(), "");
  EXPECT_EQ(fake->batches[0][0].usage().total_tokens(), 9);
}

TEST(FitEventTest, TruncatesInputAndOutputToTheCap) {
  v1::TraceEvent event;
  event.set_input_json(std::string(5000, 'i'));
  event.set_output_json(std::string(5000, 'o'));
  FitEvent(event, 2000);
  EXPECT_TRUE(event.truncated());
  EXPECT_LE(event.ByteSizeLong(), 2100u);
  v1::TraceEvent small;
  small.set_input_json("x");
  FitEvent(small, 2000);
  EXPECT_FALSE(small.truncated());
}

}  // namespace
}  // namespace llmsrouter::tracer
