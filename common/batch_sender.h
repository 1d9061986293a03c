// A BatchQueue with its sender thread: the one way the trace path batches (GrpcTracerClient,
// router → tracer; TraceBatcher, tracer → Langfuse). Items are added without blocking; the
// thread sends a batch when it is full or its oldest item is due, puts a failed batch back
// in front and retries after an equal-jitter backoff (common/backoff.h), and drops a batch
// the receiver refuses. Bounded: the oldest items are dropped (and counted) when full.
#ifndef LLMSROUTER_COMMON_BATCH_SENDER_H_
#define LLMSROUTER_COMMON_BATCH_SENDER_H_

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "common/batch_queue.h"
#include "common/log.h"

namespace llmsrouter {

struct BatchSenderOptions {
  BatchLimits limits;
  absl::Duration base_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(30);
  // Failures worth a retry (null: all); a batch failing otherwise is dropped.
  std::function<bool(const absl::Status&)> retryable;
  // Failures are logged under this component, naming `receiver` (empty component: silent).
  std::string log_component;
  std::string receiver;
};

template <typename T>
class BatchSender {
 public:
  // Sends one batch; may set `retry_after` (the receiver's Retry-After: a floor for the
  // backoff). Called on the sender thread, without the lock.
  using Send =
      std::function<absl::Status(const std::vector<T>& batch, absl::Duration* retry_after)>;

  // `random` returns uniform [0, 1) for the jitter (null: none, the full backoff); `size_of`
  // measures items for limits.max_bytes (null when that is 0).
  BatchSender(BatchSenderOptions options, Send send, std::function<double()> random = nullptr,
              std::function<size_t(const T&)> size_of = nullptr)
      : options_(std::move(options)),
        send_(std::move(send)),
        random_(std::move(random)),
        queue_(options_.limits, std::move(size_of)) {
    thread_ = std::thread([this] { Loop(); });
  }
  // Shutdown(5 s) unless done.
  ~BatchSender() { Shutdown(absl::Seconds(5)); }

  // Thread-safe, non-blocking. The sender wakes only when a batch is full or the queue was
  // empty (a new due time); otherwise it sleeps until the oldest item is due.
  void Add(std::vector<T> items) {
    absl::MutexLock lock(&mu_);
    absl::Time now = absl::Now();
    for (T& item : items) AddLocked(std::move(item), now);
  }
  void Add(T item) {
    absl::MutexLock lock(&mu_);
    AddLocked(std::move(item), absl::Now());
  }
  // Thread-safe. Waits up to `deadline` until everything queued has been sent (or dropped).
  bool Flush(absl::Duration deadline) {
    absl::MutexLock lock(&mu_);
    ++flushing_;
    bool done = mu_.AwaitWithTimeout(absl::Condition(this, &BatchSender::Drained), deadline);
    --flushing_;
    return done;
  }
  // Sends what is queued, until `deadline`; drops (and counts) what is left, and stops the
  // thread. True when everything was sent. Once (later calls report the queue's state).
  bool Shutdown(absl::Duration deadline) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return queue_.empty();
      stopping_ = true;
      stop_by_ = absl::Now() + deadline;
    }
    thread_.join();
    absl::MutexLock lock(&mu_);
    bool all = queue_.empty();
    dropped_.fetch_add(queue_.Clear());
    return all;
  }

  uint64_t sent() const { return sent_.load(); }
  uint64_t dropped() const { return dropped_.load(); }
  uint64_t failed_sends() const { return failed_sends_.load(); }
  size_t queued() {
    absl::MutexLock lock(&mu_);
    return queue_.size() + in_flight_;
  }

 private:
  void AddLocked(T item, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    bool was_empty = queue_.empty();
    dropped_.fetch_add(queue_.Push(std::move(item), now));
    if (was_empty || queue_.Full()) wake_ = true;
  }
  bool Woken() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return wake_ || stopping_ || (flushing_ > 0 && !queue_.empty());
  }
  bool Drained() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && in_flight_ == 0;
  }
  // Whether the next batch goes now: full, due, or everything is wanted out.
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() && (stopping_ || flushing_ > 0 || queue_.Ready(absl::Now()));
  }

  void Loop() {
    absl::MutexLock lock(&mu_);
    int failures = 0;
    while (true) {
      if (!Ready()) {
        if (stopping_) return;  // nothing left
        wake_ = false;
        mu_.AwaitWithDeadline(absl::Condition(this, &BatchSender::Woken), queue_.Due());
        continue;
      }
      absl::Duration retry_after = absl::ZeroDuration();
      absl::Status status = SendBatch(&retry_after);
      if (status.ok()) {
        failures = 0;
      } else if (Retrying(status) && !WaitBeforeRetry(failures++, retry_after, status)) {
        return;  // the shutdown deadline passed
      }
    }
  }

  // Sends the next batch without the lock; a failed one goes back in front.
  absl::Status SendBatch(absl::Duration* retry_after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<T> batch = queue_.TakeBatch();
    in_flight_ = batch.size();
    mu_.Unlock();
    absl::Status status = send_(batch, retry_after);
    mu_.Lock();
    in_flight_ = 0;
    if (status.ok()) {
      sent_.fetch_add(batch.size());
    } else {
      failed_sends_.fetch_add(1);
      if (Retrying(status)) {
        dropped_.fetch_add(queue_.PutBack(std::move(batch), absl::Now()));
      } else {
        dropped_.fetch_add(batch.size());
        if (!options_.log_component.empty()) {
          Log(LogLevel::kError, options_.log_component, "send refused; batch dropped",
              {{"receiver", options_.receiver},
               {"events", std::to_string(batch.size())},
               {"error", std::string(status.message())}});
        }
      }
    }
    return status;
  }
  bool Retrying(const absl::Status& status) const {
    return !options_.retryable || options_.retryable(status);
  }

  // The backoff before retry number `failure` (0-based), cut short by a shutdown's deadline.
  // False when that deadline has passed.
  bool WaitBeforeRetry(int failure, absl::Duration retry_after, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    absl::Duration delay =
        EqualJitterBackoff(options_.base_backoff, options_.max_backoff, std::min(failure, 20),
                           random_ ? random_() : 1.0, retry_after);
    if (!options_.log_component.empty() && (failure == 0 || (failure + 1) % 10 == 0)) {
      Log(LogLevel::kWarning, options_.log_component, "send failed; retrying",
          {{"receiver", options_.receiver},
           {"error", std::string(status.message())},
           {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(delay))}});
    }
    absl::Time until = absl::Now() + delay;
    if (!stopping_) mu_.AwaitWithDeadline(absl::Condition(&stopping_), until);
    if (stopping_) {
      mu_.AwaitWithDeadline(absl::Condition(&kNever), std::min(until, stop_by_));
      return absl::Now() < stop_by_;
    }
    return true;
  }
  static constexpr bool kNever = false;
  const BatchSenderOptions options_;
  const Send send_;
  const std::function<double()> random_;
  absl::Mutex mu_;
  BatchQueue<T> queue_ ABSL_GUARDED_BY(mu_);
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  int flushing_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time stop_by_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_sends_{0};
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_BATCH_SENDER_H_
