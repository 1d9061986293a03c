#include "common/scheduler.h"

namespace llmsrouter {

ThreadScheduler::ThreadScheduler() : thread_([this] { Loop(); }) {}

ThreadScheduler::~ThreadScheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ThreadScheduler::RunAfter(absl::Duration delay, std::function<void()> fn) {
  auto when = std::chrono::steady_clock::now() + absl::ToChronoMicroseconds(delay);
  {
    std::lock_guard lock(mu_);
    queue_.emplace(when, std::move(fn));
  }
  cv_.notify_all();
}

void ThreadScheduler::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = queue_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    std::function<void()> fn = std::move(first->second);
    queue_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

}  // namespace llmsrouter
