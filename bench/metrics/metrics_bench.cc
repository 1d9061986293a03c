// Hot-path cost of a metric update: our handles (common/metrics.h) against prometheus-cpp's
// core (Debian's prometheus-cpp-dev), the same operations, in the same run. Run:
//   cmake --build build --target metrics_bench && build/bin/metrics_bench
// Prints nanoseconds per update, one thread and two threads on the same series.
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "common/metrics.h"

namespace {

constexpr int kUpdates = 20'000'000;

// Nanoseconds per call of `update`, with `threads` threads each making kUpdates calls.
double NanosPerUpdate(int threads, const std::function<void(int)>& update) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&update] {
      for (int i = 0; i < kUpdates; ++i) update(i);
    });
  }
  for (auto& w : workers) w.join();
  std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / kUpdates;
}

void Compare(const char* what, int threads, const std::function<void(int)>& ours,
             const std::function<void(int)>& theirs) {
  double a = NanosPerUpdate(threads, ours);
  double b = NanosPerUpdate(threads, theirs);
  std::printf("%-22s threads=%d  ours %6.1f ns  prometheus-cpp %6.1f ns  ratio %.2f\n", what,
              threads, a, b, b / a);
}

}  // namespace

int main() {
  llmsrouter::MetricsRegistry registry;
  llmsrouter::Counter& counter = registry.GetCounter("bench_total", "", {});
  llmsrouter::Histogram& histogram =
      registry.GetHistogram("bench_seconds", "", {}, llmsrouter::LatencyBuckets());

  prometheus::Registry prom;
  prometheus::Counter& prom_counter =
      prometheus::BuildCounter().Name("bench_total").Register(prom).Add({});
  std::vector<double> bounds = llmsrouter::LatencyBuckets();
  prometheus::Histogram& prom_histogram =
      prometheus::BuildHistogram()
          .Name("bench_seconds")
          .Register(prom)
          .Add({}, prometheus::Histogram::BucketBoundaries(bounds.begin(), bounds.end()));

  // A typical latency: a few milliseconds, varying so that the bucket search varies.
  auto value = [](int i) { return 0.001 + (i % 64) * 0.0005; };
  for (int threads : {1, 2}) {
    Compare(
        "counter increment", threads, [&](int) { counter.Inc(); },
        [&](int) { prom_counter.Increment(); });
    Compare(
        "histogram observe", threads, [&](int i) { histogram.Observe(value(i)); },
        [&](int i) { prom_histogram.Observe(value(i)); });
  }
  return 0;
}
