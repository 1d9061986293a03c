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

}  // namespace
}  // namespace llmsrouter
