#include "common/loop_pool.h"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <latch>

#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"

namespace llmsrouter {
namespace {

thread_local IoLoop* current_loop = nullptr;

Gauge& StalledLoops() {
  static Gauge& g = MetricsRegistry::Global().GetGauge(
      "llmsrouter_event_loops_stalled",
      "I/O threads whose event loop has not run for 2 s (a stuck call or a blocking bug).");
  return g;
}

}  // namespace

IoLoop::IoLoop(int index, std::string name, absl::Duration tick)
    : index_(index), name_(std::move(name)), tick_(tick) {}

IoLoop* IoLoop::Current() { return current_loop; }

void IoLoop::Post(std::function<void()> fn) { boost::asio::post(context_, std::move(fn)); }

void IoLoop::RunAfter(absl::Duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(context_);
  timer->expires_after(absl::ToChronoMicroseconds(delay));
  timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

absl::Duration IoLoop::SinceLastTick() const {
  int64_t last = last_tick_us_.load(std::memory_order_relaxed);
  if (last == 0) return absl::ZeroDuration();
  return absl::Now() - absl::FromUnixMicros(last);
}

void IoLoop::Tick() {
  last_tick_us_.store(absl::ToUnixMicros(absl::Now()), std::memory_order_relaxed);
  heartbeat_.expires_after(absl::ToChronoMilliseconds(tick_));
  heartbeat_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Tick();
  });
}

void IoLoop::Run() {
  current_loop = this;
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  auto guard = boost::asio::make_work_guard(context_);
  Tick();
  context_.run();
  current_loop = nullptr;
}

LoopPool::LoopPool(int threads, std::string name, absl::Duration stalled_after)
    : stalled_after_(stalled_after) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<IoLoop>(i, name + "-" + std::to_string(i),
                                              std::min(kTick, stalled_after_ / 8)));
  }
  reported_.assign(loops_.size(), false);
  for (auto& loop : loops_) threads_.emplace_back([l = loop.get()] { l->Run(); });
  watchdog_ = std::make_unique<PeriodicThread>(std::min(absl::Seconds(1), stalled_after_ / 2),
                                               false, [this] { Watch(); });
}

LoopPool::~LoopPool() { Stop(); }

IoLoop& LoopPool::Next() { return *loops_[next_.fetch_add(1) % loops_.size()]; }

void LoopPool::RunOnEach(const std::function<void(IoLoop&)>& fn) {
  if (stopped_) {  // no loop runs any more: nothing can race with `fn`
    for (auto& loop : loops_) fn(*loop);
    return;
  }
  std::latch done(static_cast<std::ptrdiff_t>(loops_.size()));
  for (auto& loop : loops_) {
    loop->Post([&fn, &done, l = loop.get()] {
      fn(*l);
      done.count_down();
    });
  }
  done.wait();
}

std::string LoopPool::Stalled() const {
  std::string names;
  for (const auto& loop : loops_) {
    if (loop->SinceLastTick() < stalled_after_) continue;
    if (!names.empty()) names += ",";
    names += loop->name();
  }
  return names;
}

void LoopPool::Watch() {
  int stalled = 0;
  for (size_t i = 0; i < loops_.size(); ++i) {
    absl::Duration since = loops_[i]->SinceLastTick();
    bool now_stalled = since >= stalled_after_;
    stalled += now_stalled;
    if (now_stalled && !reported_[i]) {
      Log(LogLevel::kError, "loop", "event loop stalled: its thread has not come back",
          {{"thread", loops_[i]->name()},
           {"stalled_ms", std::to_string(absl::ToInt64Milliseconds(since))}});
    } else if (!now_stalled && reported_[i]) {
      Log(LogLevel::kWarning, "loop", "event loop running again", {{"thread", loops_[i]->name()}});
    }
    reported_[i] = now_stalled;
  }
  StalledLoops().Set(stalled);
  if ((stalled > 0) != any_reported_) {
    any_reported_ = stalled > 0;
    std::function<void(bool)> listener;
    {
      absl::MutexLock lock(&listener_mu_);
      listener = listener_;
    }
    if (listener) listener(any_reported_);
  }
}

void LoopPool::Stop() {
  if (stopped_) return;
  stopped_ = true;
  watchdog_.reset();
  for (auto& loop : loops_) loop->context().stop();
  for (auto& thread : threads_) thread.join();
}

}  // namespace llmsrouter
