#include "common/worker_pool.h"

#include "common/strings.h"

namespace llmsrouter {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

absl::Status WorkerPool::Post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_queued_) {
      ++refused_;
      return absl::UnavailableError(
          StrCat("overloaded: ", max_queued_, " tasks already wait for a worker thread"));
    }
    queue_.push_back(std::move(work));
  }
  cv_.notify_one();
  return absl::OkStatus();
}

size_t WorkerPool::queued() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

uint64_t WorkerPool::refused() {
  std::lock_guard lock(mu_);
  return refused_;
}

void WorkerPool::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    auto work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    work();
    lock.lock();
  }
}

}  // namespace llmsrouter
