#include "common/loop_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>

#include "absl/time/clock.h"

namespace llmsrouter {
namespace {

// Polls `done` until it holds or `deadline` passes (waiting for a condition, not a sleep
// standing in for one).
template <typename F>
bool WaitUntil(F done, absl::Duration deadline = absl::Seconds(10)) {
  absl::Time until = absl::Now() + deadline;
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST(LoopPoolTest, PostedWorkRunsOnTheLoopThreadAndNeverInsidePost) {
  LoopPool pool(2, "t");
  std::promise<std::pair<bool, bool>> result;
  std::atomic<bool> inside{false};
  pool.loop(1).Post([&] {
    inside = true;
    pool.loop(1).Post([&] { result.set_value({inside.load(), pool.loop(1).InLoop()}); });
    inside = false;  // the nested post runs after this, not inside Post()
  });
  auto [ran_inside, in_loop] = result.get_future().get();
  EXPECT_FALSE(ran_inside);
  EXPECT_TRUE(in_loop);
  EXPECT_FALSE(pool.loop(0).InLoop());
  EXPECT_EQ(IoLoop::Current(), nullptr);
}

TEST(LoopPoolTest, RunAfterFiresOnTheLoop) {
  LoopPool pool(1, "t");
  std::promise<IoLoop*> ran_on;
  pool.loop(0).RunAfter(absl::Milliseconds(1), [&] { ran_on.set_value(IoLoop::Current()); });
  EXPECT_EQ(ran_on.get_future().get(), &pool.loop(0));
}

TEST(LoopPoolTest, RunOnEachRunsOnEveryLoopAndAfterStopOnTheCaller) {
  LoopPool pool(3, "t");
  std::atomic<int> on_loop{0};
  pool.RunOnEach([&](IoLoop& loop) { on_loop += loop.InLoop(); });
  EXPECT_EQ(on_loop.load(), 3);
  pool.Stop();
  int after = 0;
  pool.RunOnEach([&](IoLoop&) { ++after; });  // no loop runs: done here, no hang
  EXPECT_EQ(after, 3);
}

TEST(LoopPoolTest, AStuckLoopIsReportedAndRecovers) {
  LoopPool pool(2, "t", absl::Milliseconds(200));
  std::atomic<int> stalls{0}, recoveries{0};
  pool.SetStallListener([&](bool stalled) { (stalled ? stalls : recoveries)++; });
  std::latch release(1);
  pool.loop(1).Post([&] { release.wait(); });  // a blocking bug on loop 1
  ASSERT_TRUE(WaitUntil([&] { return pool.Stalled() == "t-1"; }));
  ASSERT_TRUE(WaitUntil([&] { return stalls.load() == 1; }));
  release.count_down();
  ASSERT_TRUE(WaitUntil([&] { return pool.Stalled().empty(); }));
  ASSERT_TRUE(WaitUntil([&] { return recoveries.load() == 1; }));
}

}  // namespace
}  // namespace llmsrouter
