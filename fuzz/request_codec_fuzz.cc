// Untrusted request bodies through the router's request codec and the call's trace, as a call
// runs them: never a crash or an exception (deep nesting included — the seeds hold a body of
// 100,000 '['), and a prepared call always has a valid body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "services/router/call_trace.h"
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
  auto body = llmsrouter::router::ParseBody(request.body());
  llmsrouter::router::CallTrace trace(request, body, llmsrouter::SystemClock::Get(), true);
  auto call = llmsrouter::router::PrepareCall(config, request, std::move(body));
  if (call.ok() && !nlohmann::json::accept(call->http.body)) std::abort();
  trace.Finish(call.status());
  return 0;
}
