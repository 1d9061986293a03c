#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace llmsrouter {
namespace {

TEST(WorkerPoolTest, RefusesBeyondTheBoundAndRunsWhatItQueued) {
  absl::Notification busy;
  absl::Notification release;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(/*threads=*/1, /*max_queued=*/2);
    ASSERT_TRUE(pool.Post([&] {
                      busy.Notify();
                      release.WaitForNotification();
                    })
                    .ok());
    busy.WaitForNotification();  // the only thread is taken; the queue is empty
    EXPECT_EQ(pool.queued(), 0u);
    EXPECT_TRUE(pool.Post([&] { ++ran; }).ok());
    EXPECT_TRUE(pool.Post([&] { ++ran; }).ok());
    EXPECT_EQ(pool.queued(), 2u);
    bool refused_ran = false;
    absl::Status refused = pool.Post([&] { refused_ran = true; });
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(refused.message().find("2 tasks"), absl::string_view::npos) << refused;
    EXPECT_EQ(pool.refused(), 1u);
    EXPECT_EQ(pool.queued(), 2u);
    release.Notify();
    // The destructor runs what was queued, then joins.
  }
  EXPECT_EQ(ran.load(), 2);
}

TEST(WorkerPoolTest, TakesWorkAgainOnceTheQueueDrains) {
  absl::Notification busy;
  absl::Notification release;
  absl::Notification dequeued;
  WorkerPool pool(1, 1);
  ASSERT_TRUE(pool.Post([&] {
                    busy.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  busy.WaitForNotification();
  ASSERT_TRUE(pool.Post([&] { dequeued.Notify(); }).ok());
  EXPECT_FALSE(pool.Post([] {}).ok());
  release.Notify();
  dequeued.WaitForNotification();  // taken off the queue before it runs
  absl::Notification done;
  ASSERT_TRUE(pool.Post([&] { done.Notify(); }).ok());
  done.WaitForNotification();
  EXPECT_EQ(pool.refused(), 1u);
}

}  // namespace
}  // namespace llmsrouter
