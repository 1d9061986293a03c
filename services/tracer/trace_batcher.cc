#include "services/tracer/trace_batcher.h"

#include <algorithm>
#include <cmath>

#include "common/backoff.h"
#include "common/log.h"
#include "common/strings.h"

namespace llmsrouter::tracer {
namespace {

using Clock = std::chrono::steady_clock;

void Cut(std::string* s, size_t max) {
  if (s->size() <= max) return;
  s->resize(max);
  s->append("…[truncated by llmsrouter]");
}

}  // namespace

void FitEvent(v1::TraceEvent& event, size_t max_bytes) {
  size_t size = event.ByteSizeLong();
  if (size <= max_bytes) return;
  size_t rest = size - event.input_json().size() - event.output_json().size();
  size_t budget = max_bytes > rest ? (max_bytes - rest) / 2 : 0;
  Cut(event.mutable_input_json(), budget);
  Cut(event.mutable_output_json(), budget);
  event.set_truncated(true);
}

TraceBatcher::TraceBatcher(std::unique_ptr<TraceExporter> exporter, BatcherOptions options,
                           std::function<double()> random)
    : exporter_(std::move(exporter)), options_(options), random_(std::move(random)) {
  thread_ = std::thread([this] { Loop(); });
}

TraceBatcher::~TraceBatcher() { Shutdown(absl::Seconds(5)); }

size_t TraceBatcher::Add(std::vector<v1::TraceEvent> events) {
  size_t accepted = 0;
  bool wake;
  {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    bool was_empty = queue_.empty();
    for (auto& event : events) {
      if (!options_.content) {
        event.clear_input_json();
        event.clear_output_json();
      }
      FitEvent(event, options_.max_event_bytes);
      size_t bytes = event.ByteSizeLong();
      while (queue_.size() >= options_.capacity) {
        queued_bytes_ -= queue_.front().bytes;
        queue_.pop_front();
        dropped_.fetch_add(1);
      }
      queued_bytes_ += bytes;
      queue_.push_back({std::move(event), bytes, now});
      ++accepted;
    }
    // The exporter sleeps until the oldest event's deadline: it needs waking only when that
    // deadline is new (the queue was empty) or a batch is ready now.
    wake = was_empty || ReadyLocked(now);
  }
  if (wake) cv_.notify_one();
  return accepted;
}

size_t TraceBatcher::queued() {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

bool TraceBatcher::ReadyLocked(Clock::time_point now) {
  if (queue_.empty()) return false;
  return flushing_ || stopping_ || queue_.size() >= options_.max_batch_events ||
         queued_bytes_ >= options_.max_batch_bytes ||
         now - queue_.front().added >= absl::ToChronoMilliseconds(options_.max_age);
}

std::vector<v1::TraceEvent> TraceBatcher::TakeBatchLocked() {
  std::vector<v1::TraceEvent> batch;
  size_t bytes = 0;
  while (!queue_.empty() && batch.size() < options_.max_batch_events &&
         (batch.empty() || bytes + queue_.front().bytes <= options_.max_batch_bytes)) {
    bytes += queue_.front().bytes;
    queued_bytes_ -= queue_.front().bytes;
    batch.push_back(std::move(queue_.front().event));
    queue_.pop_front();
  }
  in_flight_ = batch.size();
  return batch;
}

void TraceBatcher::Loop() {
  std::unique_lock lock(mu_);
  int failures = 0;
  while (true) {
    auto now = Clock::now();
    if (!ReadyLocked(now)) {
      if (stopping_) break;
      if (queue_.empty()) idle_cv_.notify_all();
      auto wake = queue_.empty()
                      ? now + std::chrono::seconds(1)
                      : queue_.front().added + absl::ToChronoMilliseconds(options_.max_age);
      cv_.wait_until(lock, wake);
      continue;
    }
    std::vector<v1::TraceEvent> batch = TakeBatchLocked();
    lock.unlock();
    absl::Duration retry_after = absl::ZeroDuration();
    absl::Status status = exporter_->Export(batch, &retry_after);
    lock.lock();
    in_flight_ = 0;
    bool transient = absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
                     absl::IsDeadlineExceeded(status);
    if (status.ok()) {
      exported_.fetch_add(batch.size());
      failures = 0;
      continue;
    }
    failed_exports_.fetch_add(1);
    if (!transient) {
      dropped_.fetch_add(batch.size());
      Log(LogLevel::kError, "tracer", "export refused; batch dropped",
          {{"exporter", exporter_->name()},
           {"events", std::to_string(batch.size())},
           {"error", std::string(status.message())}});
      continue;
    }
    // Back in front, keeping the queue bounded (the oldest go first).
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      size_t bytes = it->ByteSizeLong();
      queued_bytes_ += bytes;
      queue_.push_front({std::move(*it), bytes, Clock::now()});
    }
    while (queue_.size() > options_.capacity) {
      queued_bytes_ -= queue_.front().bytes;
      queue_.pop_front();
      dropped_.fetch_add(1);
    }
    if (stopping_ && Clock::now() >= stop_by_) break;
    absl::Duration delay = EqualJitterBackoff(options_.base_backoff, options_.max_backoff,
                                              std::min(failures, 20), random_(), retry_after);
    ++failures;
    if (failures == 1 || failures % 10 == 0) {
      Log(LogLevel::kWarning, "tracer", "export failed; retrying",
          {{"exporter", exporter_->name()},
           {"error", std::string(status.message())},
           {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(delay))}});
    }
    auto until = Clock::now() + absl::ToChronoMilliseconds(delay);
    if (stopping_) until = std::min(until, stop_by_);
    cv_.wait_until(lock, until, [&] { return stopping_ && Clock::now() >= stop_by_; });
    if (stopping_ && Clock::now() >= stop_by_) break;
  }
  idle_cv_.notify_all();
}

bool TraceBatcher::Shutdown(absl::Duration deadline) {
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return queue_.empty();
    stopping_ = true;
    stop_by_ = Clock::now() + absl::ToChronoMilliseconds(deadline);
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  dropped_.fetch_add(queue_.size());
  bool all = queue_.empty();
  queue_.clear();
  return all;
}

}  // namespace llmsrouter::tracer
