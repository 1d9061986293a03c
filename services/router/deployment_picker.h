// Selection strategies of a model group, as pure functions over the deployments' state (the
// caller owns that state and its locking). `eligible` holds indexes into the per-deployment
// vectors; it is never empty. Each function returns one of its entries.
#ifndef LLMSROUTER_SERVICES_ROUTER_DEPLOYMENT_PICKER_H_
#define LLMSROUTER_SERVICES_ROUTER_DEPLOYMENT_PICKER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmsrouter::router {

// Smooth weighted round-robin (nginx): every eligible deployment's running weight `current`
// grows by its weight, the largest wins (the first on a tie) and gives back the eligible
// total. Deterministic: weights 1:2:1 give B A C B, then again.
size_t SmoothWeightedPick(const std::vector<size_t>& eligible, const std::vector<int>& weights,
                          std::vector<int64_t>* current);

// Fewest calls in flight; ties are shared by smooth weighted round-robin.
size_t LeastBusyPick(const std::vector<size_t>& eligible, const std::vector<int>& in_flight,
                     const std::vector<int>& weights, std::vector<int64_t>* current);

// Share of calls the latency strategy spends on exploration.
inline constexpr double kLatencyExploration = 0.1;

// Lowest moving average of time to first byte (`ttft_ms`, nullopt: no sample yet). A
// deployment without a sample is tried first; with probability kLatencyExploration
// (`unit_random` in [0,1)) the pick is weighted round-robin instead, so that a deployment
// that got faster is seen again.
size_t LatencyPick(const std::vector<size_t>& eligible,
                   const std::vector<std::optional<double>>& ttft_ms,
                   const std::vector<int>& weights, std::vector<int64_t>* current,
                   double unit_random);

// Weighted rendezvous (highest random weight) hashing of `key` over the eligible
// deployments, named by `ids`: the same key keeps its deployment while that one stays
// eligible, and only the keys of a deployment that leaves move. Stable across processes.
size_t RendezvousPick(const std::vector<size_t>& eligible, const std::vector<std::string>& ids,
                      const std::vector<int>& weights, std::string_view key);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_DEPLOYMENT_PICKER_H_
