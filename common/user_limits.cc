#include "common/user_limits.h"

#include <charconv>
#include <cstdio>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/strings.h"

namespace llmsrouter {

bool HasLimits(const auth::v1::Limits& limits) {
  return limits.rpm() > 0 || limits.tpm() > 0 || limits.parallel() > 0 || limits.budget_usd() > 0;
}

absl::Status ValidateLimits(const auth::v1::Limits& limits) {
  if (limits.rpm() < 0 || limits.tpm() < 0 || limits.parallel() < 0 ||
      !(limits.budget_usd() >= 0)) {
    return absl::InvalidArgumentError("limits must be zero (none) or positive");
  }
  // Beyond these a limit means nothing, and sums or micro-USD conversions could overflow.
  constexpr int64_t kMaxCount = 1'000'000'000'000;
  if (limits.rpm() > kMaxCount || limits.tpm() > kMaxCount || limits.parallel() > kMaxCount ||
      limits.budget_usd() > kMaxBudgetUsd) {
    return absl::InvalidArgumentError(StrCat("limits must be at most ", kMaxCount,
                                             " (rpm, tpm, parallel) and $",
                                             FormatUsd(kMaxBudgetUsd), " (budget)"));
  }
  const std::string& period = limits.budget_period();
  if (limits.budget_usd() > 0 && period != "day" && period != "week" && period != "month" &&
      period != "total") {
    return absl::InvalidArgumentError(
        StrCat("a budget needs a period: day, week, month or total (got '", period, "')"));
  }
  return absl::OkStatus();
}

std::string EncodeLimits(const auth::v1::Limits& limits) {
  if (!HasLimits(limits)) return "";
  char budget[64];
  std::snprintf(budget, sizeof(budget), "%.6f", limits.budget_usd());
  return StrCat("rpm=", limits.rpm(), ",tpm=", limits.tpm(), ",parallel=", limits.parallel(),
                ",budget=", budget, ",period=", limits.budget_period());
}

auth::v1::Limits DecodeLimits(std::string_view encoded) {
  auth::v1::Limits limits;
  for (std::string_view part : Split(encoded, ',')) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = part.substr(0, eq);
    std::string_view value = part.substr(eq + 1);
    int64_t n = 0;
    if (name == "rpm" && ParseInt(value, &n)) limits.set_rpm(n);
    if (name == "tpm" && ParseInt(value, &n)) limits.set_tpm(n);
    if (name == "parallel" && ParseInt(value, &n)) limits.set_parallel(n);
    if (name == "period") limits.set_budget_period(std::string(value));
    if (name == "budget") {
      double usd = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), usd);
      if (ec == std::errc()) limits.set_budget_usd(usd);
    }
  }
  return limits;
}

std::string FormatUsd(double usd) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.6f", usd);
  std::string out(text);
  while (out.size() > 3 && out.back() == '0' && out[out.size() - 3] != '.') out.pop_back();
  return out;
}

BudgetWindow BudgetWindowAt(std::string_view period, int64_t now_ms) {
  if (period == "total") return {"total", 0};
  absl::Time now = absl::FromUnixMillis(now_ms);
  absl::CivilDay day = absl::ToCivilDay(now, absl::UTCTimeZone());
  absl::CivilDay start = day;
  absl::CivilDay end = day + 1;
  std::string key = "d";
  if (period == "week") {  // ISO weeks: Monday to Monday
    start = absl::PrevWeekday(day + 1, absl::Weekday::monday);
    end = start + 7;
    key = "w";
  } else if (period == "month") {
    absl::CivilMonth month(day);
    start = absl::CivilDay(month);
    end = absl::CivilDay(month + 1);
    key = "m";
  }
  key += absl::FormatCivilTime(start);
  if (period == "month") key.resize(8);  // "m2026-11"
  int64_t end_ms = absl::ToUnixMillis(absl::FromCivil(end, absl::UTCTimeZone()));
  return {std::move(key), end_ms};
}

}  // namespace llmsrouter
