// The bounded batching queue of the trace path (router → tracer, tracer → Langfuse): items
// wait in a bounded deque, the oldest dropped when it is full; they leave in batches bounded
// by count and bytes, when a batch is full or its oldest item has waited `max_age`; a batch
// whose sending failed goes back in front, again dropping the oldest beyond the bound.
//
// This is the logic only, with time passed in: not thread-safe, no thread, no clock
// (BatchSender drives it under its lock, tests drive it directly).
#ifndef LLMSROUTER_COMMON_BATCH_QUEUE_H_
#define LLMSROUTER_COMMON_BATCH_QUEUE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace llmsrouter {

struct BatchLimits {
  size_t capacity = 10000;  // items held (while the receiver is down, say)
  size_t max_items = 100;   // per batch
  size_t max_bytes = 0;     // per batch (one larger item still goes alone); 0: no limit
  absl::Duration max_age = absl::Seconds(1);  // how long the oldest item may wait for company
};

template <typename T>
class BatchQueue {
 public:
  // `size_of` measures an item for max_bytes (null when max_bytes is 0: nothing measured).
  explicit BatchQueue(BatchLimits limits, std::function<size_t(const T&)> size_of = nullptr)
      : limits_(limits), size_of_(std::move(size_of)) {}

  // Adds at the back; returns how many of the oldest were dropped to make room.
  size_t Push(T item, absl::Time now) {
    size_t bytes = size_of_ ? size_of_(item) : 0;
    items_.push_back({std::move(item), bytes, now});
    bytes_ += bytes;
    return DropBeyondCapacity();
  }
  // A batch is full, or the oldest item is due at `now`.
  bool Ready(absl::Time now) const { return !items_.empty() && (Full() || now >= Due()); }
  bool Full() const {
    return items_.size() >= limits_.max_items ||
           (limits_.max_bytes > 0 && bytes_ >= limits_.max_bytes);
  }
  // When the oldest item is due (InfiniteFuture when empty).
  absl::Time Due() const {
    return items_.empty() ? absl::InfiniteFuture() : items_.front().added + limits_.max_age;
  }
  // The oldest items, up to max_items and max_bytes (at least one when not empty).
  std::vector<T> TakeBatch() {
    std::vector<T> batch;
    size_t bytes = 0;
    while (!items_.empty() && batch.size() < limits_.max_items &&
           (batch.empty() || limits_.max_bytes == 0 ||
            bytes + items_.front().bytes <= limits_.max_bytes)) {
      bytes += items_.front().bytes;
      bytes_ -= items_.front().bytes;
      batch.push_back(std::move(items_.front().item));
      items_.pop_front();
    }
    return batch;
  }
  // A batch that failed goes back in front, in order; returns how many of the oldest were
  // dropped to stay within capacity.
  size_t PutBack(std::vector<T> batch, absl::Time now) {
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      size_t bytes = size_of_ ? size_of_(*it) : 0;
      bytes_ += bytes;
      items_.push_front({std::move(*it), bytes, now});
    }
    return DropBeyondCapacity();
  }
  // Empties the queue; returns how many items were dropped.
  size_t Clear() {
    size_t n = items_.size();
    items_.clear();
    bytes_ = 0;
    return n;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    T item;
    size_t bytes;
    absl::Time added;
  };
  size_t DropBeyondCapacity() {
    size_t dropped = 0;
    while (items_.size() > limits_.capacity) {
      bytes_ -= items_.front().bytes;
      items_.pop_front();
      ++dropped;
    }
    return dropped;
  }

  BatchLimits limits_;
  std::function<size_t(const T&)> size_of_;
  std::deque<Entry> items_;
  size_t bytes_ = 0;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_BATCH_QUEUE_H_
