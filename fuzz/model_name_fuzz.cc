// Model names and proxy values: parsed or refused, never a crash; a resolved target always
// names a configured provider (or an allowed URL).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "services/router/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto config = [] {
    auto c = std::make_shared<llmsrouter::router::RouterConfig>();
    c->providers["openai"] =
        llmsrouter::router::ProviderConfig{.alias = "openai", .url = "http://o"};
    c->proxy_allow_urls = {"http://10.*.*.*:*/v1", "https://*.example/*"};
    return std::shared_ptr<const llmsrouter::router::RouterConfig>(c);
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find('\n');
  std::string_view model = input.substr(0, split);
  std::string_view proxy = split == std::string_view::npos ? "" : input.substr(split + 1);
  (void)llmsrouter::router::ParseModelName(model);
  auto target = llmsrouter::router::ResolveTarget(config, model, proxy);
  if (target.ok() && target->provider == nullptr) std::abort();
  return 0;
}
