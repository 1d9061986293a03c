#include "common/metrics.h"

#include <cmath>
#include <cstdio>

#include "common/strings.h"

namespace llmsrouter {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// Joins a label set with an extra label (for histogram buckets).
std::string WithLabel(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return StrCat("{", extra, "}");
  return StrCat(labels.substr(0, labels.size() - 1), ",", extra, "}");
}

}  // namespace

std::string FormatLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    StrAppend(&out, labels[i].first, "=\"", Escape(labels[i].second), "\"");
  }
  out.push_back('}');
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,     0.25,   0.5,     1,      2.5,   5,      10,    30,   60};
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::Write(const std::string& name, const std::string& labels, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
    StrAppend(out, name, "_bucket", WithLabel(labels, StrCat("le=\"", le, "\"")), " ",
              std::to_string(cumulative), "\n");
  }
  StrAppend(out, name, "_sum", labels, " ", Number(sum_.load()), "\n");
  StrAppend(out, name, "_count", labels, " ", std::to_string(count_.load()), "\n");
}

MetricsRegistry& MetricsRegistry::Global() {
  static MetricsRegistry* registry = new MetricsRegistry();
  return *registry;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help,
                                                    const std::string& type) {
  Family& family = families_[name];
  if (family.type.empty()) {
    family.help = help;
    family.type = type;
  }
  return family;
}

template <typename T, typename Make>
T& MetricsRegistry::Series(const std::string& name, Family& family,
                           std::map<std::string, std::unique_ptr<T>>& slots, const Labels& labels,
                           bool* folded, Make make) {
  std::string key = FormatLabels(labels);
  if (auto it = slots.find(key); it != slots.end()) return *it->second;
  if (family.series >= max_series_ && !labels.empty()) {
    if (folded != nullptr) *folded = true;
    Labels overflow = labels;
    for (auto& [label, value] : overflow) value = std::string(kOverflowValue);
    key = FormatLabels(overflow);
    std::string folded_name(kFoldedMetric);
    Family& counts = FamilyFor(folded_name,
                               "Metric updates folded into a family's overflow series because "
                               "the family reached its series cap.",
                               "counter");
    auto& count = counts.counters[FormatLabels({{"family", name}})];
    if (!count) {
      count = std::make_unique<Counter>();
      ++counts.series;
    }
    count->Inc();
    if (auto it = slots.find(key); it != slots.end()) return *it->second;
  }
  ++family.series;
  auto& slot = slots[key];
  slot = make();
  return *slot;
}

Counter& MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels, bool* folded) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(name, help, "counter");
  return Series(name, family, family.counters, labels, folded,
                [] { return std::make_unique<Counter>(); });
}

Gauge& MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const Labels& labels, bool* folded) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(name, help, "gauge");
  return Series(name, family, family.gauges, labels, folded,
                [] { return std::make_unique<Gauge>(); });
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const Labels& labels, std::vector<double> bounds,
                                         bool* folded) {
  absl::MutexLock lock(&mu_);
  Family& family = FamilyFor(name, help, "histogram");
  return Series(name, family, family.histograms, labels, folded,
                [&] { return std::make_unique<Histogram>(std::move(bounds)); });
}

void MetricsRegistry::SetMaxSeriesPerFamily(size_t max) {
  absl::MutexLock lock(&mu_);
  max_series_ = max;
}

size_t MetricsRegistry::max_series_per_family() const {
  absl::MutexLock lock(&mu_);
  return max_series_;
}

void MetricsRegistry::AddCallback(const std::string& name, const std::string& help,
                                  const std::string& type, std::function<double()> read,
                                  const Labels& labels) {
  absl::MutexLock lock(&mu_);
  FamilyFor(name, help, type).callbacks[FormatLabels(labels)] = std::move(read);
}

std::string MetricsRegistry::Exposition() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    StrAppend(&out, "# HELP ", name, " ", family.help, "\n# TYPE ", name, " ", family.type, "\n");
    for (const auto& [labels, c] : family.counters) {
      StrAppend(&out, name, labels, " ", Number(c->value()), "\n");
    }
    for (const auto& [labels, g] : family.gauges) {
      StrAppend(&out, name, labels, " ", Number(g->value()), "\n");
    }
    for (const auto& [labels, h] : family.histograms) h->Write(name, labels, &out);
    for (const auto& [labels, read] : family.callbacks) {
      StrAppend(&out, name, labels, " ", Number(read()), "\n");
    }
  }
  return out;
}

}  // namespace llmsrouter
