#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace llmsrouter {
namespace {

TEST(MetricsTest, ExpositionFormat) {
  MetricsRegistry registry;
  registry.GetCounter("x_requests_total", "Requests.", {{"route", "a\"b"}, {"status", "200"}})
      .Inc(2);
  registry.GetGauge("x_active", "Active.").Set(3);
  auto& h = registry.GetHistogram("x_seconds", "Latency.", {{"r", "1"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  registry.AddCallback("x_depth", "Depth.", "gauge", [] { return 7.0; });
  std::string text = registry.Exposition();
  EXPECT_NE(text.find("# TYPE x_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("x_requests_total{route=\"a\\\"b\",status=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("x_active 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{r=\"1\",le=\"0.10000000000000001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("x_seconds_bucket{r=\"1\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_count{r=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_depth 7\n"), std::string::npos);
}

TEST(MetricsTest, SameLabelsSameSeries) {
  MetricsRegistry registry;
  registry.GetCounter("c_total", "C.", {{"a", "1"}}).Inc();
  registry.GetCounter("c_total", "C.", {{"a", "1"}}).Inc();
  EXPECT_EQ(registry.GetCounter("c_total", "C.", {{"a", "1"}}).value(), 2);
}

TEST(MetricFamilyTest, CachedLookupsReachTheRegistrysSeriesOnEveryThread) {
  static auto& a = *new MetricFamily<Counter>("test_family_a_total", "A.", {"route", "status"});
  static auto& b = *new MetricFamily<Counter>("test_family_b_total", "B.", {"route", "status"});
  a.With({"chat", "200"}).Inc();
  a.With({"chat", "200"}).Inc();
  a.With({"chat", "500"}).Inc();
  b.With({"chat", "200"}).Inc(5);  // same values, other family: another series
  std::thread other([] { a.With({"chat", "200"}).Inc(); });
  other.join();
  auto& registry = MetricsRegistry::Global();
  EXPECT_EQ(registry.GetCounter("test_family_a_total", "A.", {{"route", "chat"}, {"status", "200"}})
                .value(),
            3);
  EXPECT_EQ(registry.GetCounter("test_family_a_total", "A.", {{"route", "chat"}, {"status", "500"}})
                .value(),
            1);
  EXPECT_EQ(registry.GetCounter("test_family_b_total", "B.", {{"route", "chat"}, {"status", "200"}})
                .value(),
            5);
  std::string text = registry.Exposition();
  EXPECT_NE(text.find("test_family_a_total{route=\"chat\",status=\"200\"} 3\n"), std::string::npos);
}

TEST(MetricsTest, SeriesBeyondTheCapFoldIntoOneOverflowSeries) {
  MetricsRegistry registry;
  registry.SetMaxSeriesPerFamily(3);
  for (int i = 0; i < 10; ++i) {
    bool folded = false;
    registry
        .GetCounter("cap_total", "C.", {{"route", std::to_string(i)}, {"status", "200"}}, &folded)
        .Inc();
    EXPECT_EQ(folded, i >= 3) << i;
  }
  // An existing series is still found after the cap is reached.
  bool folded = false;
  registry.GetCounter("cap_total", "C.", {{"route", "1"}, {"status", "200"}}, &folded).Inc();
  EXPECT_FALSE(folded);
  EXPECT_EQ(registry.GetCounter("cap_total", "C.", {{"route", "1"}, {"status", "200"}}).value(), 2);
  auto& overflow =
      registry.GetCounter("cap_total", "C.", {{"route", "overflow"}, {"status", "overflow"}});
  EXPECT_EQ(overflow.value(), 7);
  // Other families have their own budget; histograms fold the same way.
  for (int i = 0; i < 5; ++i) {
    registry.GetHistogram("cap_seconds", "H.", {{"route", std::to_string(i)}}).Observe(1);
  }
  std::string text = registry.Exposition();
  EXPECT_NE(text.find("cap_seconds_count{route=\"overflow\"} 2\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("route=\"4\""), std::string::npos);
  EXPECT_NE(text.find("llmsrouter_metrics_series_folded_total{family=\"cap_total\"} 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("llmsrouter_metrics_series_folded_total{family=\"cap_seconds\"} 2\n"),
            std::string::npos);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_LT(lines, 120u);
}

TEST(MetricFamilyTest, FoldedLabelSetsAreCountedEveryTimeAndNotCached) {
  auto& registry = MetricsRegistry::Global();
  size_t saved = registry.max_series_per_family();
  registry.SetMaxSeriesPerFamily(2);
  static auto& family = *new MetricFamily<Counter>("test_capped_total", "C.", {"route"});
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) family.With({std::to_string(i)}).Inc();
  }
  registry.SetMaxSeriesPerFamily(saved);
  EXPECT_EQ(registry.GetCounter("test_capped_total", "C.", {{"route", "0"}}).value(), 3);
  EXPECT_EQ(registry.GetCounter("test_capped_total", "C.", {{"route", "overflow"}}).value(),
            3 * 48);
  EXPECT_EQ(registry
                .GetCounter(std::string(MetricsRegistry::kFoldedMetric), "",
                            {{"family", "test_capped_total"}})
                .value(),
            3 * 48);
}

}  // namespace
}  // namespace llmsrouter
