#include "common/batch_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace llmsrouter {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1000);

BatchLimits Limits(size_t capacity, size_t max_items, size_t max_bytes = 0) {
  return {capacity, max_items, max_bytes, absl::Seconds(1)};
}

TEST(BatchQueueTest, BoundedQueueDropsTheOldest) {
  BatchQueue<int> queue(Limits(5, 100));
  size_t dropped = 0;
  for (int i = 0; i < 8; ++i) dropped += queue.Push(i, kT0);
  EXPECT_EQ(dropped, 3u);
  EXPECT_EQ(queue.size(), 5u);
  EXPECT_EQ(queue.TakeBatch(), (std::vector<int>{3, 4, 5, 6, 7}));
}

TEST(BatchQueueTest, ABatchIsReadyWhenFullOrWhenItsOldestItemIsDue) {
  BatchQueue<int> queue(Limits(100, 3));
  EXPECT_FALSE(queue.Ready(kT0));
  EXPECT_EQ(queue.Due(), absl::InfiniteFuture());
  queue.Push(1, kT0);
  queue.Push(2, kT0 + absl::Milliseconds(500));
  EXPECT_EQ(queue.Due(), kT0 + absl::Seconds(1));
  EXPECT_FALSE(queue.Ready(kT0 + absl::Milliseconds(999)));
  EXPECT_TRUE(queue.Ready(kT0 + absl::Seconds(1)));
  queue.Push(3, kT0 + absl::Milliseconds(600));
  EXPECT_TRUE(queue.Full());
  EXPECT_TRUE(queue.Ready(kT0));
}

TEST(BatchQueueTest, BatchesAreCutByCountAndBytesButAnOversizeItemStillGoes) {
  BatchQueue<std::string> queue(Limits(100, 3, 10), [](const std::string& s) { return s.size(); });
  for (const char* s : {"aaaa", "bbbb", "cccc", "dddddddddddddddd", "e", "f", "g", "h"}) {
    queue.Push(s, kT0);
  }
  EXPECT_EQ(queue.bytes(), 32u);
  EXPECT_EQ(queue.TakeBatch(), (std::vector<std::string>{"aaaa", "bbbb"}));  // 12 > 10
  EXPECT_EQ(queue.TakeBatch(), (std::vector<std::string>{"cccc"}));
  EXPECT_EQ(queue.TakeBatch(), (std::vector<std::string>{"dddddddddddddddd"}));
  EXPECT_EQ(queue.TakeBatch(), (std::vector<std::string>{"e", "f", "g"}));  // count
  EXPECT_EQ(queue.bytes(), 1u);
}

TEST(BatchQueueTest, AFailedBatchGoesBackInFrontAndTheOldestGiveWayBeyondTheBound) {
  BatchQueue<int> queue(Limits(4, 2));
  for (int i = 0; i < 4; ++i) queue.Push(i, kT0);
  std::vector<int> batch = queue.TakeBatch();  // 0, 1 in flight
  queue.Push(4, kT0);
  queue.Push(5, kT0);                                   // full again: 2 3 4 5
  EXPECT_EQ(queue.PutBack(std::move(batch), kT0), 2u);  // 0 and 1 are the oldest
  EXPECT_EQ(queue.TakeBatch(), (std::vector<int>{2, 3}));
  EXPECT_EQ(queue.Clear(), 2u);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace llmsrouter
