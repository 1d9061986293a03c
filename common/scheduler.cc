#include "common/scheduler.h"

namespace llmsrouter {

ThreadScheduler::ThreadScheduler() : thread_([this] { Loop(); }) {}

ThreadScheduler::~ThreadScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void ThreadScheduler::RunAfter(absl::Duration delay, std::function<void()> fn) {
  auto when = std::chrono::steady_clock::now() + absl::ToChronoMicroseconds(delay);
  absl::MutexLock lock(&mu_);
  queue_.emplace(when, std::move(fn));
  changed_ = true;
}

void ThreadScheduler::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    changed_ = false;
    if (queue_.empty()) {
      mu_.Await(absl::Condition(this, &ThreadScheduler::Changed));
      continue;
    }
    auto first = queue_.begin();
    auto now = std::chrono::steady_clock::now();
    if (first->first > now) {
      mu_.AwaitWithTimeout(absl::Condition(this, &ThreadScheduler::Changed),
                           absl::FromChrono(first->first - now));
      continue;
    }
    std::function<void()> fn = std::move(first->second);
    queue_.erase(first);
    mu_.Unlock();
    fn();
    mu_.Lock();
  }
}

}  // namespace llmsrouter
