#include "services/router/call_limits_config.h"

#include "common/strings.h"
#include "common/user_limits.h"

namespace llmsrouter::router {
namespace {

absl::Status Invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(StrCat(where, " ", what));
}

// A whole number >= 0 (caps are ValidateLimits'); absent or null keeps `out`.
absl::Status ParseCount(const YAML::Node& node, std::string_view where, int64_t* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  int64_t n = 0;
  if (!node.IsScalar() || !ParseInt(node.Scalar(), &n) || n < 0) {
    return Invalid(where, "must be a whole number >= 0");
  }
  *out = n;
  return absl::OkStatus();
}

// rpm, tpm, parallel (and with `budget`: budget and period) of one mapping.
absl::Status ParseOneLimits(const YAML::Node& node, std::string_view where, bool budget,
                            auth::v1::Limits* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return Invalid(where, "must be a mapping");
  int64_t rpm = 0, tpm = 0, parallel = 0;
  for (auto [key, field] : {std::pair{"rpm", &rpm}, {"tpm", &tpm}, {"parallel", &parallel}}) {
    if (auto s = ParseCount(node[key], StrCat(where, ".", key), field); !s.ok()) return s;
  }
  out->set_rpm(rpm);
  out->set_tpm(tpm);
  out->set_parallel(parallel);
  if (budget && node["budget"] && !node["budget"].IsNull()) {
    double usd = 0;
    if (!node["budget"].IsScalar() || !YAML::convert<double>::decode(node["budget"], usd)) {
      return Invalid(StrCat(where, ".budget"), "must be a number of USD");
    }
    out->set_budget_usd(usd);
    out->set_budget_period(node["period"] ? node["period"].as<std::string>() : "month");
  } else if (budget && node["period"] && !node["period"].IsNull()) {
    return Invalid(StrCat(where, ".period"), "needs a budget");
  }
  if (absl::Status s = ValidateLimits(*out); !s.ok())
    return Invalid(where, std::string(s.message()));
  return absl::OkStatus();
}

absl::Status ParsePolicy(const YAML::Node& node, CallLimitsConfig* out) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return Invalid("limits.failure_policy", "must be a mapping");
  for (auto [key, field] : {std::pair{"rate_limits", &out->rate_limits_fail_open},
                            {"budgets", &out->budgets_fail_open}}) {
    const YAML::Node value = node[key];
    if (!value || value.IsNull()) continue;
    std::string policy = value.IsScalar() ? value.Scalar() : "";
    if (policy != "open" && policy != "closed") {
      return Invalid(StrCat("limits.failure_policy.", key), "must be open or closed");
    }
    *field = policy == "open";
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseCallLimits(const YAML::Node& limits,
                             const std::function<bool(std::string_view)>& known_alias,
                             CallLimitsConfig* out) {
  if (!limits || !limits.IsMap()) return absl::OkStatus();  // the caller checks the shape
  if (auto s = ParseCount(limits["default_completion_tokens"], "limits.default_completion_tokens",
                          &out->default_completion_tokens);
      !s.ok()) {
    return s;
  }
  if (out->default_completion_tokens > 1'000'000'000) {
    return Invalid("limits.default_completion_tokens", "must be at most 1000000000");
  }
  if (auto s = ParsePolicy(limits["failure_policy"], out); !s.ok()) return s;
  if (auto s = ParseOneLimits(limits["default"], "limits.default", true, &out->default_user);
      !s.ok()) {
    return s;
  }
  const YAML::Node providers = limits["providers"];
  if (!providers || providers.IsNull()) return absl::OkStatus();
  if (!providers.IsMap()) return Invalid("limits.providers", "must be a mapping");
  for (const auto& entry : providers) {
    std::string alias = entry.first.as<std::string>();
    std::string where = StrCat("limits.providers.", alias);
    if (!known_alias(alias)) return Invalid(where, "names no provider in servers");
    auth::v1::Limits provider;
    if (auto s = ParseOneLimits(entry.second, where, false, &provider); !s.ok()) return s;
    if (HasLimits(provider)) out->providers.emplace(alias, std::move(provider));
  }
  return absl::OkStatus();
}

}  // namespace llmsrouter::router
