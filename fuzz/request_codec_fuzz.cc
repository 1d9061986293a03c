// Untrusted request bodies through the router's request codec: never a crash or an
// exception, and a prepared call always has a valid body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "services/router/upstream_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto config = [] {
    auto c = std::make_shared<llmsrouter::router::RouterConfig>();
    c->providers["a"] = llmsrouter::router::ProviderConfig{.alias = "a", .url = "http://a/v1"};
    return std::shared_ptr<const llmsrouter::router::RouterConfig>(c);
  }();
  llmsrouter::router::v1::CallRequest request;
  request.set_endpoint("chat/completions");
  request.set_body(std::string(reinterpret_cast<const char*>(data), size));
  auto call = llmsrouter::router::PrepareCall(config, request);
  if (call.ok() && !nlohmann::json::accept(call->http.body)) std::abort();
  return 0;
}
