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
    if (down) return absl::UnavailableError("down");
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
  bool down = false;  // fails every export
};

std::vector<v1::TraceEvent> Events(int n, int first = 0) {
  std::vector<v1::TraceEvent> out(n);
  for (int i = 0; i < n; ++i) out[i].set_request_id("r" + std::to_string(first + i));
  return out;
}

// No test waits on real time: batches leave by count or at Shutdown (max_age is an hour) and
// retries follow at once. The timing itself (age, backoff) is BatchQueue's and backoff's,
// tested with explicit times in common/.
BatcherOptions Fast() {
  BatcherOptions o;
  o.max_batch_events = 10;
  o.max_age = absl::Hours(1);
  o.base_backoff = absl::ZeroDuration();
  o.max_backoff = absl::ZeroDuration();
  return o;
}

TEST(TraceBatcherTest, BatchesByCountAndFlushesOnShutdown) {
  auto exporter = std::make_unique<FakeExporter>();
  FakeExporter* fake = exporter.get();
  BatcherOptions options = Fast();
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
  fake->down = true;
  BatcherOptions options = Fast();
  options.capacity = 5;
  options.base_backoff = options.max_backoff = absl::Hours(1);  // one attempt, then waits
  TraceBatcher batcher(std::move(exporter), options, [] { return 0.5; });
  batcher.Add(Events(8));  // one Add: the sender cannot take any before the bound applies
  EXPECT_EQ(batcher.dropped(), 3u);
  EXPECT_EQ(batcher.queued(), 5u);
  EXPECT_FALSE(batcher.Shutdown(absl::ZeroDuration()));
  EXPECT_EQ(batcher.dropped(), 8u);  // the 5 still held when the deadline passed
  EXPECT_EQ(batcher.exported(), 0u);
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
