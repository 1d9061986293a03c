// The keys config.yaml may contain, in one table shared by the loader's unknown-key check and
// the test that holds docs/config.schema.json to the same set.
#ifndef LLMSROUTER_SERVICES_ROUTER_CONFIG_KEYS_H_
#define LLMSROUTER_SERVICES_ROUTER_CONFIG_KEYS_H_

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace llmsrouter::router {

// Mapping path -> the keys the loader reads there. Paths are dotted, "" is the top level and
// "*" stands for any provider alias ("servers.*.retries"). Mappings not listed are either
// free-form (`servers.*.headers`) or keyed by the user (`servers`).
const std::map<std::string, std::vector<std::string>, std::less<>>& KnownConfigKeys();

// INVALID_ARGUMENT for the first key of a listed mapping that the loader does not read,
// naming the key, its path ("servers.openai.api_kye") and the closest known key. Nodes that
// are not mappings are left to the loader's own checks. May throw YAML::Exception.
absl::Status CheckConfigKeys(const YAML::Node& root);

// The known key closest to `key` by edit distance, or "" when none is near enough to be a
// plausible typo.
std::string ClosestKey(std::string_view key, const std::vector<std::string>& known);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CONFIG_KEYS_H_
