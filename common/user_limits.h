// Per-user limits (auth.v1.Limits): what "no limits" means, validation, and the compact form
// stored in the user's Redis hash. See docs/LIMITS.md.
#ifndef LLMSROUTER_COMMON_USER_LIMITS_H_
#define LLMSROUTER_COMMON_USER_LIMITS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter {

// True when any kind of limit is set, in the user's own limits or one of its scopes (a user
// without limits costs no admission round trip).
bool HasLimits(const auth::v1::Limits& limits);
// True when the user's own limits (not its scopes) set any kind of limit.
bool HasOwnLimits(const auth::v1::Limits& limits);
// INVALID_ARGUMENT for negative values, an unknown period, a budget without a period, or a bad
// scope name (ValidScopeName) or nested scopes.
absl::Status ValidateLimits(const auth::v1::Limits& limits);
// A scope is a provider alias or a group name: 1 to 128 characters, no space or control
// character and none of , ; = [ ] | (the separators of the stored form and of "[alias]model").
bool ValidScopeName(std::string_view name);
// "rpm=50,tpm=0,parallel=3,budget=10.5,period=day" then ";scope=openai,rpm=0,tpm=50000,..."
// per scope, and back (unknown or bad parts are ignored on decode: the store is written only by
// EncodeLimits).
std::string EncodeLimits(const auth::v1::Limits& limits);
auth::v1::Limits DecodeLimits(std::string_view encoded);

// The calendar window (UTC) of a budget period at `now_ms`: a key naming it ("d2026-11-27",
// "w2026-11-23", "m2026-11", "total") and its end (0 for "total").
struct BudgetWindow {
  std::string key;
  int64_t end_ms = 0;
};
BudgetWindow BudgetWindowAt(std::string_view period, int64_t now_ms);

// The largest budget ValidateLimits accepts.
inline constexpr double kMaxBudgetUsd = 1e9;

// USD <-> micro-USD (what Redis counts, so that sums are exact). Saturates (never UB): NaN
// and negatives give 0, huge values 9e18.
inline int64_t UsdToMicros(double usd) {
  if (!(usd > 0)) return 0;
  if (usd >= 9e12) return 9'000'000'000'000'000'000;
  return static_cast<int64_t>(usd * 1e6 + 0.5);
}
inline double MicrosToUsd(int64_t micros) { return static_cast<double>(micros) / 1e6; }
// "10.50", "0.000125": at least two decimals, at most six.
std::string FormatUsd(double usd);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_USER_LIMITS_H_
