#include "common/user_limits.h"

#include <charconv>
#include <cstdio>
#include <map>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/strings.h"

namespace llmsrouter {

bool HasOwnLimits(const auth::v1::Limits& limits) {
  return limits.rpm() > 0 || limits.tpm() > 0 || limits.parallel() > 0 || limits.budget_usd() > 0;
}

namespace {

// One set of limits without its scopes: "rpm=50,tpm=0,parallel=3,budget=10.500000,period=day".
std::string EncodeOwn(const auth::v1::Limits& limits) {
  char budget[64];
  std::snprintf(budget, sizeof(budget), "%.6f", limits.budget_usd());
  return StrCat("rpm=", limits.rpm(), ",tpm=", limits.tpm(), ",parallel=", limits.parallel(),
                ",budget=", budget, ",period=", limits.budget_period());
}

absl::Status ValidateOwnLimits(const auth::v1::Limits& limits);

}  // namespace

bool HasLimits(const auth::v1::Limits& limits) {
  if (HasOwnLimits(limits)) return true;
  for (const auto& [name, scope] : limits.scopes()) {
    if (HasOwnLimits(scope)) return true;
  }
  return false;
}

bool ValidScopeName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 127 ||
        std::string_view(",;=[]|").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::Status ValidateLimits(const auth::v1::Limits& limits) {
  if (absl::Status s = ValidateOwnLimits(limits); !s.ok()) return s;
  for (const auto& [name, scope] : limits.scopes()) {
    if (!ValidScopeName(name)) {
      return absl::InvalidArgumentError(
          StrCat("invalid scope '", name,
                 "': a provider alias or group name of 1 to 128 characters without spaces or , ; "
                 "= [ ] |"));
    }
    if (!scope.scopes().empty()) return absl::InvalidArgumentError("scopes do not nest");
    if (absl::Status s = ValidateOwnLimits(scope); !s.ok()) {
      return absl::InvalidArgumentError(StrCat("scope '", name, "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status ValidateOwnLimits(const auth::v1::Limits& limits) {
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

auth::v1::Limits DecodeOwn(std::string_view encoded, std::string* scope) {
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
    if (name == "scope") *scope = std::string(value);
    if (name == "budget") {
      double usd = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), usd);
      if (ec == std::errc()) limits.set_budget_usd(usd);
    }
  }
  return limits;
}

}  // namespace

std::string EncodeLimits(const auth::v1::Limits& limits) {
  if (!HasLimits(limits)) return "";
  std::string out = EncodeOwn(limits);
  // Sorted (a protobuf map has no order): the same limits always encode the same.
  std::map<std::string_view, const auth::v1::Limits*> scopes;
  for (const auto& [name, scope] : limits.scopes()) {
    if (HasOwnLimits(scope)) scopes[name] = &scope;
  }
  for (const auto& [name, scope] : scopes) StrAppend(&out, ";scope=", name, ",", EncodeOwn(*scope));
  return out;
}

auth::v1::Limits DecodeLimits(std::string_view encoded) {
  std::vector<std::string_view> parts = Split(encoded, ';');
  std::string ignored;
  auth::v1::Limits limits = DecodeOwn(parts.empty() ? "" : parts[0], &ignored);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string name;
    auth::v1::Limits scope = DecodeOwn(parts[i], &name);
    if (!name.empty()) (*limits.mutable_scopes())[name] = std::move(scope);
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
