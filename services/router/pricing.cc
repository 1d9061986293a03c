#include "services/router/pricing.h"

#include <cmath>

#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/strings.h"

namespace llmsrouter::router {

const std::map<std::string, Price, std::less<>>& DefaultPrices() {
  // Public list prices, USD per million tokens (input, cached input, output).
  static const auto* const prices = new std::map<std::string, Price, std::less<>>{
      {"gpt-4o", {2.50, 1.25, 10.00}},
      {"gpt-4o-mini", {0.15, 0.075, 0.60}},
      {"gpt-4.1", {2.00, 0.50, 8.00}},
      {"gpt-4.1-mini", {0.40, 0.10, 1.60}},
      {"gpt-4.1-nano", {0.10, 0.025, 0.40}},
      {"o3", {2.00, 0.50, 8.00}},
      {"o4-mini", {1.10, 0.275, 4.40}},
      {"text-embedding-3-small", {0.02, 0.02, 0}},
      {"text-embedding-3-large", {0.13, 0.13, 0}},
      {"deepseek-chat", {0.27, 0.07, 1.10}},
      {"deepseek-reasoner", {0.55, 0.14, 2.19}},
      {"claude-3-5-haiku-latest", {0.80, 0.08, 4.00}},
      {"claude-sonnet-4-0", {3.00, 0.30, 15.00}},
  };
  return *prices;
}

const Price* PricingConfig::Find(std::string_view alias, std::string_view model) const {
  if (auto it = models.find(StrCat("[", alias, "]", model)); it != models.end()) {
    return &it->second;
  }
  if (auto it = models.find(model); it != models.end()) return &it->second;
  const auto& defaults = DefaultPrices();
  if (auto it = defaults.find(model); it != defaults.end()) return &it->second;
  return nullptr;
}

int64_t CostMicros(const Price& price, int64_t prompt, int64_t cached, int64_t completion) {
  cached = std::min(cached, prompt);
  // USD per million tokens = micro-USD per token.
  double micros = price.input * static_cast<double>(prompt - cached) +
                  price.cached_input * static_cast<double>(cached) +
                  price.output * static_cast<double>(completion);
  // Saturates: a double beyond int64 (or NaN) must not be cast (undefined behaviour).
  constexpr double kMax = 9.0e18;
  if (!(micros < kMax)) return static_cast<int64_t>(kMax);
  return micros <= 0 ? 0 : static_cast<int64_t>(std::ceil(micros));
}

int64_t CachedPromptTokens(const v1::Usage& usage) {
  if (usage.details_json().empty()) return 0;
  auto details = ParseUntrustedJson(usage.details_json());
  auto prompt = details.find("prompt_tokens_details");
  return prompt == details.end() ? 0 : JsonInt(*prompt, "cached_tokens");
}

void AddTraceCost(const PricingConfig& pricing, tracer::v1::TraceEvent* event) {
  const v1::Usage& usage = event->usage();
  if (usage.prompt_tokens() <= 0 && usage.completion_tokens() <= 0) return;
  const Price* price = pricing.Find(event->provider(), event->upstream_model());
  if (price == nullptr) return;
  int64_t cached = std::min(CachedPromptTokens(usage), usage.prompt_tokens());
  event->set_cost_input_usd((price->input * static_cast<double>(usage.prompt_tokens() - cached) +
                             price->cached_input * static_cast<double>(cached)) /
                            1e6);
  event->set_cost_output_usd(price->output * static_cast<double>(usage.completion_tokens()) / 1e6);
}

absl::Status ParsePricing(const YAML::Node& node, PricingConfig* pricing) {
  if (!node || node.IsNull()) return absl::OkStatus();
  if (!node.IsMap()) return absl::InvalidArgumentError("pricing must be a mapping");
  if (const YAML::Node require = node["require"]; require && !require.IsNull()) {
    if (!require.IsScalar() || !YAML::convert<bool>::decode(require, pricing->require)) {
      return absl::InvalidArgumentError("pricing.require must be true or false");
    }
  }
  const YAML::Node models = node["models"];
  if (!models || models.IsNull()) return absl::OkStatus();
  if (!models.IsMap()) return absl::InvalidArgumentError("pricing.models must be a mapping");
  for (const auto& entry : models) {
    std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
    std::string where = StrCat("pricing.models.", name);
    if (name.empty() || !entry.second.IsMap()) {
      return absl::InvalidArgumentError(StrCat(where, " must be a mapping of prices"));
    }
    Price price;
    for (auto [key, field] :
         {std::pair{"input", &price.input}, std::pair{"cached_input", &price.cached_input},
          std::pair{"output", &price.output}}) {
      const YAML::Node value = entry.second[key];
      if (!value || value.IsNull()) continue;
      if (!value.IsScalar() || !YAML::convert<double>::decode(value, *field) || !(*field >= 0)) {
        return absl::InvalidArgumentError(
            StrCat(where, ".", key, " must be a price >= 0 (USD per million tokens)"));
      }
    }
    if (!entry.second["cached_input"]) price.cached_input = price.input;
    pricing->models[name] = price;
  }
  return absl::OkStatus();
}

}  // namespace llmsrouter::router
