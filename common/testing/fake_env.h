// An EnvLookup over a fixed map, for tests.
#ifndef LLMSROUTER_COMMON_TESTING_FAKE_ENV_H_
#define LLMSROUTER_COMMON_TESTING_FAKE_ENV_H_

#include <map>
#include <string>

#include "common/options.h"

namespace llmsrouter {

inline EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TESTING_FAKE_ENV_H_
