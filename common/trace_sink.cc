#include "common/trace_sink.h"

#include "absl/time/clock.h"

namespace llmsrouter {

GrpcTraceShipper::GrpcTraceShipper(std::shared_ptr<grpc::Channel> channel, Options options)
    : stub_(tracer::v1::TracerService::NewStub(std::move(channel))), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

GrpcTraceShipper::~GrpcTraceShipper() {
  Flush(absl::Seconds(5));
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void GrpcTraceShipper::Record(tracer::v1::TraceEvent event) {
  bool full_batch;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.capacity) {
      queue_.pop_front();
      dropped_.fetch_add(1);
    }
    queue_.push_back(std::move(event));
    full_batch = queue_.size() >= options_.max_batch;
  }
  // The sender wakes by itself after `linger`; waking it per event would cost a context
  // switch on every call.
  if (full_batch) cv_.notify_one();
}

size_t GrpcTraceShipper::queued() {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

bool GrpcTraceShipper::Flush(absl::Duration deadline) {
  std::unique_lock lock(mu_);
  cv_.notify_all();
  return drained_.wait_for(lock, absl::ToChronoMilliseconds(deadline),
                           [this] { return queue_.empty() && in_flight_ == 0; });
}

bool GrpcTraceShipper::SendBatch(std::deque<tracer::v1::TraceEvent>& batch) {
  tracer::v1::RecordRequest request;
  for (auto& event : batch) *request.add_events() = event;
  tracer::v1::RecordResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return stub_->Record(&context, request, &response).ok();
}

void GrpcTraceShipper::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.linger),
                 [this] { return stopping_ || queue_.size() >= options_.max_batch; });
    if (queue_.empty()) {
      drained_.notify_all();
      if (stopping_) return;
      continue;
    }
    std::deque<tracer::v1::TraceEvent> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    in_flight_ = batch.size();
    lock.unlock();
    bool ok = SendBatch(batch);
    lock.lock();
    in_flight_ = 0;
    if (ok) {
      shipped_.fetch_add(batch.size());
      continue;
    }
    // Put the batch back in front (keeping the newest if that overflows) and wait a bit.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    while (queue_.size() > options_.capacity) {
      queue_.pop_front();
      dropped_.fetch_add(1);
    }
    if (stopping_) return;
    cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.retry_delay),
                 [this] { return stopping_; });
  }
}

}  // namespace llmsrouter
