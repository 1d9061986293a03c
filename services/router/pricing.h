// Model prices (USD per million tokens) for metering and budgets: a shipped default table for
// common models that config.yaml's `pricing` overrides (docs/CONFIGURATION.md, LIMITS.md).
#ifndef LLMSROUTER_SERVICES_ROUTER_PRICING_H_
#define LLMSROUTER_SERVICES_ROUTER_PRICING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "llmsrouter/tracer/v1/tracer.pb.h"
#include "yaml-cpp/yaml.h"

namespace llmsrouter::router {

// USD per million tokens. Reasoning tokens are output tokens.
struct Price {
  double input = 0;
  double cached_input = 0;
  double output = 0;
};

struct PricingConfig {
  // Users with a budget are refused a model without a price (otherwise it is free, counted
  // by llmsrouter_unpriced_calls_total).
  bool require = false;
  // "[alias]model" (one provider) or "model" (any provider serving that model name).
  std::map<std::string, Price, std::less<>> models;

  // The price of `model` at provider `alias`: the config's "[alias]model", then its "model",
  // then the shipped table; null when none has it.
  const Price* Find(std::string_view alias, std::string_view model) const;
};

// micro-USD for a call's tokens (cached ones are part of `prompt`, priced at cached_input).
int64_t CostMicros(const Price& price, int64_t prompt, int64_t cached, int64_t completion);

// prompt_tokens_details.cached_tokens of a usage (0 when absent).
int64_t CachedPromptTokens(const v1::Usage& usage);

// Sets the trace's cost (input: prompt incl. cached, output) from its usage, when priced.
void AddTraceCost(const PricingConfig& pricing, tracer::v1::TraceEvent* event);

// The shipped default table, by model name.
const std::map<std::string, Price, std::less<>>& DefaultPrices();

// Parses the `pricing` block (absent or null: defaults). INVALID_ARGUMENT names the key.
absl::Status ParsePricing(const YAML::Node& node, PricingConfig* pricing);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_PRICING_H_
