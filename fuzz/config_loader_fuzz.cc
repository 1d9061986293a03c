// Untrusted config.yaml text: parsed or rejected with a status, never a crash or a throw.
#include <cstddef>
#include <cstdint>

#include "services/router/router_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  (void)llmsrouter::router::ParseRouterConfig(
      std::string_view(reinterpret_cast<const char*>(data), size), env);
  return 0;
}
