// UsageRecorder on a fake clock, flushing into a real redis-server.
#include "services/router/usage_recorder.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "absl/synchronization/notification.h"
#include "common/limits/limit_scripts.h"
#include "common/metrics.h"
#include "common/redis_url.h"
#include "common/testing/fake_clock.h"
#include "common/testing/redis_server.h"
#include "common/testing/redis_text.h"

namespace llmsrouter::router {
namespace {

constexpr int64_t kNoon = 1795780800000;  // 2026-11-27T12:00:00Z

class UsageRecorderTest : public ::testing::Test {
 protected:
  UsageRecorderTest() {
    clock_.now = absl::FromUnixMillis(kNoon);
    PipelinedRedis::Options o;
    o.connector.address = *ParseRedisUrl(server_.url());
    // As the router: preloaded, so a read queued after a flush runs after it (no NOSCRIPT
    // resend behind it).
    o.preload_scripts = {limits::UsageScript()};
    redis_ = std::make_unique<PipelinedRedis>(o);
  }

  std::string Get(std::vector<std::string> args) {
    return ::llmsrouter::testing::RedisText(*redis_, std::move(args));
  }
  std::string Field(const std::string& day, const std::string& field) {
    return Get({"HGET", "llmsrouter:usage:" + day, field});
  }

  testing::RedisServer server_;
  FakeClock clock_;
  std::unique_ptr<PipelinedRedis> redis_;
};

TEST_F(UsageRecorderTest, AggregatesPerDayUserAndModelThenFlushes) {
  UsageRecorder usage(redis_.get(), clock_, {.flush_interval = absl::ZeroDuration()});
  usage.Record("bob", "[oa]m", {.calls = 1, .prompt = 10, .completion = 5, .cost_micros = 7});
  usage.Record("bob", "[oa]m", {.calls = 1, .prompt = 3, .cached = 2, .completion = 1});
  usage.Record("eve", "[oa]m", {.calls = 1, .prompt = 1, .estimated = 1});
  clock_.now = absl::FromUnixMillis(kNoon + 12 * 3600 * 1000);  // the next UTC day
  usage.Record("bob", "[oa]m", {.calls = 1, .prompt = 100});
  ASSERT_EQ(usage.Snapshot().size(), 3u);
  EXPECT_EQ(Get({"EXISTS", "llmsrouter:usage:2026-11-27"}), "0");  // nothing before a flush
  usage.Flush();
  EXPECT_TRUE(usage.Snapshot().empty());
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\tcalls"), "2");
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\tprompt"), "13");
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\tcached"), "2");
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\tcompletion"), "6");
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\tcost"), "7");
  EXPECT_EQ(Field("2026-11-27", "bob\t[oa]m\testimated"), "");  // zero: not written
  EXPECT_EQ(Field("2026-11-27", "eve\t[oa]m\testimated"), "1");
  EXPECT_EQ(Field("2026-11-28", "bob\t[oa]m\tprompt"), "100");
  int64_t ttl = std::stoll(Get({"TTL", "llmsrouter:usage:2026-11-28"}));
  EXPECT_GT(ttl, 399 * 86400);
  // A second flush adds to what is there.
  usage.Record("bob", "[oa]m", {.calls = 1, .prompt = 1});
  usage.Flush();
  EXPECT_EQ(Field("2026-11-28", "bob\t[oa]m\tprompt"), "101");
}

TEST_F(UsageRecorderTest, BoundedRowsDropNewOnes) {
  UsageRecorder usage(redis_.get(), clock_,
                      {.flush_interval = absl::ZeroDuration(), .max_rows = 2});
  usage.Record("a", "m", {.calls = 1});
  usage.Record("b", "m", {.calls = 1});
  usage.Record("c", "m", {.calls = 1});  // dropped
  usage.Record("a", "m", {.calls = 1});  // an existing row still adds up
  auto rows = usage.Snapshot();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].user, "a");
  EXPECT_EQ(rows[0].counts.calls, 2);
}

TEST_F(UsageRecorderTest, RecordAfterStopIsCountedAsDropped) {
  UsageRecorder usage(redis_.get(), clock_, {.flush_interval = absl::ZeroDuration()});
  usage.Stop();
  Counter& dropped = MetricsRegistry::Global().GetCounter(
      "llmsrouter_usage_dropped_total",
      "Calls of users without limits not recorded because the spend buffer was full.");
  double before = dropped.value();
  usage.Record("late", "m", {.calls = 1});
  EXPECT_TRUE(usage.Snapshot().empty());
  EXPECT_EQ(dropped.value(), before + 1);
}

TEST_F(UsageRecorderTest, ThreadFlushesWhenRowsPileUpAndOnStop) {
  auto usage = std::make_unique<UsageRecorder>(
      redis_.get(), clock_,
      UsageRecorder::Options{.flush_interval = absl::Hours(1), .flush_rows = 2});
  usage->Record("a", "m", {.calls = 1});
  usage->Record("b", "m", {.calls = 1});  // reaches flush_rows: flushed long before the hour
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  auto both = [&] {
    return Field("2026-11-27", "a\tm\tcalls") == "1" && Field("2026-11-27", "b\tm\tcalls") == "1";
  };
  while (!both() && absl::Now() < deadline) {
  }
  EXPECT_TRUE(both());
  usage->Record("c", "m", {.calls = 3});
  usage->Stop();  // the last flush
  EXPECT_EQ(Field("2026-11-27", "c\tm\tcalls"), "3");
}

TEST_F(UsageRecorderTest, RedisDownCountsAndNeverBlocks) {
  server_.Stop();
  UsageRecorder usage(redis_.get(), clock_, {.flush_interval = absl::ZeroDuration()});
  usage.Record("a", "m", {.calls = 1});
  Counter& failures = MetricsRegistry::Global().GetCounter(
      "llmsrouter_usage_flush_failures_total",
      "Spend-record commands (users without limits) that did not reach Redis.");
  double before = failures.value();
  usage.Flush();  // queued; fails UNAVAILABLE on the Redis thread
  EXPECT_TRUE(usage.Snapshot().empty());
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (failures.value() < before + 1 && absl::Now() < deadline) {  // one command per chunk
  }
  EXPECT_GE(failures.value(), before + 1);
}

TEST_F(UsageRecorderTest, FlushLeavesRoomForAdmissionsAndSendsRowsWhole) {
  PipelinedRedis::Options o;
  o.connector.address = *ParseRedisUrl(server_.url());
  o.max_queued = 4;
  o.preload_scripts = {limits::UsageScript()};
  PipelinedRedis redis(o);
  UsageRecorder usage(
      &redis, clock_,
      {.flush_interval = absl::ZeroDuration(), .rows_per_command = 2, .max_outstanding = 2});
  for (int i = 0; i < 10; ++i) {
    usage.Record("u" + std::to_string(i), "m",
                 {.calls = 1, .prompt = 10, .completion = 5, .cost_micros = 7});
  }
  // Hold the executor: whatever the flush queues stays queued meanwhile.
  absl::Notification holding, release;
  redis.Command({"PING"}, absl::Now() + absl::Seconds(5), [&](absl::StatusOr<RedisReplyPtr>) {
    holding.Notify();
    release.WaitForNotification();
  });
  holding.WaitForNotification();
  EXPECT_FALSE(usage.Flush()) << "more rows than two commands may carry";
  EXPECT_EQ(usage.Snapshot().size(), 6u) << "4 rows in 2 commands, the rest held";
  absl::Notification answered;
  absl::Status admission;
  redis.Command({"PING"}, absl::Now() + absl::Seconds(5), [&](absl::StatusOr<RedisReplyPtr> r) {
    admission = r.status();
    answered.Notify();
  });
  EXPECT_FALSE(answered.HasBeenNotified()) << "the admission was refused: " << admission;
  release.Notify();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!usage.Snapshot().empty() && absl::Now() < deadline) usage.Flush();
  EXPECT_TRUE(usage.Snapshot().empty());
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(admission.ok()) << admission;
  for (int i = 0; i < 10; ++i) {
    std::string row = "u" + std::to_string(i) + "\tm\t";
    std::string day = "llmsrouter:usage:2026-11-27";
    auto field = [&](const char* name) {
      return ::llmsrouter::testing::RedisText(redis, {"HGET", day, row + name});
    };
    EXPECT_EQ(field("calls"), "1") << row;
    EXPECT_EQ(field("prompt"), "10") << row;
    EXPECT_EQ(field("completion"), "5") << row;
    EXPECT_EQ(field("cost"), "7") << row;
  }
}

}  // namespace
}  // namespace llmsrouter::router
