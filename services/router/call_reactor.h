// RouterService.Call: full-fidelity passthrough of one OpenAI-style call.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_REACTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_REACTOR_H_

#include <optional>

#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/router_deps.h"
#include "services/router/streaming_reactor.h"

namespace llmsrouter::router {

class CallReactor : public StreamingReactor<v1::CallResponse> {
 public:
  // Not started yet: StartUpstreamOnLoop or FailEarly follows (once the caller was
  // authenticated).
  CallReactor() = default;

 protected:
  void Translate(v1::CallResponse message, std::vector<v1::CallResponse>* out) override {
    out->push_back(std::move(message));
  }
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_REACTOR_H_
