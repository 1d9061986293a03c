#include "services/router/deployment_picker.h"

#include <cmath>
#include <limits>

namespace llmsrouter::router {
namespace {

// FNV-1a then a splitmix64 finish: stable across processes and builds (unlike std::hash),
// so that every router replica sends a session to the same deployment.
uint64_t StableHash(std::string_view a, std::string_view b) {
  uint64_t h = 1469598103934665603ull;
  auto add = [&h](unsigned char c) { h = (h ^ c) * 1099511628211ull; };
  for (char c : a) add(static_cast<unsigned char>(c));
  add(0xff);
  for (char c : b) add(static_cast<unsigned char>(c));
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

size_t SmoothWeightedPick(const std::vector<size_t>& eligible, const std::vector<int>& weights,
                          std::vector<int64_t>* current) {
  int64_t total = 0;
  size_t best = eligible.front();
  bool first = true;
  for (size_t i : eligible) {
    (*current)[i] += weights[i];
    total += weights[i];
    if (first || (*current)[i] > (*current)[best]) best = i;
    first = false;
  }
  (*current)[best] -= total;
  return best;
}

size_t LeastBusyPick(const std::vector<size_t>& eligible, const std::vector<int>& in_flight,
                     const std::vector<int>& weights, std::vector<int64_t>* current) {
  int fewest = std::numeric_limits<int>::max();
  for (size_t i : eligible) fewest = std::min(fewest, in_flight[i]);
  std::vector<size_t> idle;
  for (size_t i : eligible) {
    if (in_flight[i] == fewest) idle.push_back(i);
  }
  return SmoothWeightedPick(idle, weights, current);
}

size_t LatencyPick(const std::vector<size_t>& eligible,
                   const std::vector<std::optional<double>>& ttft_ms,
                   const std::vector<int>& weights, std::vector<int64_t>* current,
                   double unit_random) {
  std::vector<size_t> unsampled;
  for (size_t i : eligible) {
    if (!ttft_ms[i]) unsampled.push_back(i);
  }
  if (!unsampled.empty()) return SmoothWeightedPick(unsampled, weights, current);
  if (unit_random < kLatencyExploration) return SmoothWeightedPick(eligible, weights, current);
  size_t best = eligible.front();
  for (size_t i : eligible) {
    if (*ttft_ms[i] < *ttft_ms[best]) best = i;
  }
  return best;
}

size_t RendezvousPick(const std::vector<size_t>& eligible, const std::vector<std::string>& ids,
                      const std::vector<int>& weights, std::string_view key) {
  size_t best = eligible.front();
  double best_score = -1;
  for (size_t i : eligible) {
    // u in (0, 1); -w / ln(u) is the weighted rendezvous score.
    double u = (static_cast<double>(StableHash(key, ids[i]) >> 11) + 0.5) / 9007199254740992.0;
    double score = -weights[i] / std::log(u);
    if (score > best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

}  // namespace llmsrouter::router
