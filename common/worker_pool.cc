#include "common/worker_pool.h"

#include "common/strings.h"

namespace llmsrouter {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

absl::Status WorkerPool::Post(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  if (queue_.size() >= max_queued_) {
    ++refused_;
    return absl::UnavailableError(
        StrCat("overloaded: ", max_queued_, " tasks already wait for a worker thread"));
  }
  queue_.push_back(std::move(work));
  return absl::OkStatus();
}

size_t WorkerPool::queued() {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

uint64_t WorkerPool::refused() {
  absl::MutexLock lock(&mu_);
  return refused_;
}

void WorkerPool::Loop() {
  while (true) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_, absl::Condition(this, &WorkerPool::HasWorkOrStops));
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace llmsrouter
