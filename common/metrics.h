// Prometheus metrics: counters, gauges and histograms with labels, and the text exposition.
// Names follow Prometheus conventions. Hand-written rather than prometheus-cpp's core (Debian's
// prometheus-cpp-dev 1.0): its Histogram::Observe takes a std::mutex on every observation, a
// lock on the hot path. bench/metrics/metrics_bench.cc, same run, 2 loaded cores: counter
// increments cost the same (prometheus-cpp/ours 0.95-1.10), histogram observations 1.40x
// (one thread) to 1.47x (two threads on one series) more with prometheus-cpp.
#ifndef LLMSROUTER_COMMON_METRICS_H_
#define LLMSROUTER_COMMON_METRICS_H_

#include <atomic>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace llmsrouter {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Appends the _bucket/_sum/_count lines.
  void Write(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Latency buckets from 50 µs to 60 s, in seconds.
std::vector<double> LatencyBuckets();

// Thread-safe. Metric objects live as long as the registry; callers may keep the references.
//
// Each family holds at most max_series_per_family() series: a label set beyond it is folded
// into the family's one overflow series (every label value "overflow"), `*folded` is set to
// true (it is left alone otherwise), and llmsrouter_metrics_series_folded_total{family=...}
// counts the update. The cap is a last line of defence; labels should come from closed sets
// (common/metric_labels.h). Series are only counted on creation: lookups stay as cheap.
class MetricsRegistry {
 public:
  static constexpr size_t kDefaultMaxSeriesPerFamily = 1000;
  static constexpr std::string_view kOverflowValue = "overflow";
  static constexpr std::string_view kFoldedMetric = "llmsrouter_metrics_series_folded_total";

  static MetricsRegistry& Global();

  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {},
                      bool* folded = nullptr);
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {},
                  bool* folded = nullptr);
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {}, std::vector<double> bounds = LatencyBuckets(),
                          bool* folded = nullptr);
  // A value read at exposition time (queue depths, cache hits kept elsewhere).
  void AddCallback(const std::string& name, const std::string& help, const std::string& type,
                   std::function<double()> read, const Labels& labels = {});

  // The Prometheus text format (version 0.0.4).
  std::string Exposition() const;

  // Applies to series created from now on (existing ones stay).
  void SetMaxSeriesPerFamily(size_t max);
  size_t max_series_per_family() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    size_t series = 0;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::map<std::string, std::function<double()>> callbacks;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, const std::string& type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The series of `labels` in `slots`, created with `make` if new (or the overflow series).
  template <typename T, typename Make>
  T& Series(const std::string& name, Family& family,
            std::map<std::string, std::unique_ptr<T>>& slots, const Labels& labels, bool* folded,
            Make make) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
  size_t max_series_ ABSL_GUARDED_BY(mu_) = kDefaultMaxSeriesPerFamily;
};

// {a="x",b="y"} with escaping; "" for no labels.
std::string FormatLabels(const Labels& labels);

// One metric family with fixed label names, for the per-request path: a series is found by
// its label values through a per-thread cache, so after a thread's first use of a label
// combination a lookup takes no lock and allocates nothing. Families must live as long as
// the process (declare them static). Label sets folded by the registry's series cap are not
// cached (the cache stays as bounded as the registry): each such update takes the lock.
template <typename Metric>
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

  // `values` in the order of the label names.
  Metric& With(std::initializer_list<std::string_view> values) {
    thread_local absl::flat_hash_map<std::string, Metric*> cache;
    thread_local std::string key;
    const MetricFamily* self = this;
    key.assign(reinterpret_cast<const char*>(&self), sizeof(self));
    for (std::string_view v : values) {
      key.push_back('\xff');
      key.append(v);
    }
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    Labels labels;
    size_t i = 0;
    for (std::string_view v : values) labels.emplace_back(label_names_.at(i++), std::string(v));
    bool folded = false;
    Metric* metric = &Lookup(labels, &folded);
    if (!folded) cache.emplace(key, metric);
    return *metric;
  }

 private:
  Metric& Lookup(const Labels& labels, bool* folded) {
    auto& registry = MetricsRegistry::Global();
    if constexpr (std::is_same_v<Metric, Counter>) {
      return registry.GetCounter(name_, help_, labels, folded);
    } else if constexpr (std::is_same_v<Metric, Gauge>) {
      return registry.GetGauge(name_, help_, labels, folded);
    } else {
      return registry.GetHistogram(name_, help_, labels, LatencyBuckets(), folded);
    }
  }

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_METRICS_H_
