#include "services/router/call_reactor.h"

#include "services/router/upstream_request.h"

namespace llmsrouter::router {

CallReactor::CallReactor(const RouterDeps& deps, const v1::CallRequest& request) {
  auto prepared = PrepareCall(deps.config->Get(), request);
  if (!prepared.ok()) {
    FailEarly(prepared.status());
    return;
  }
  exchange_.emplace(*deps.clock, this,
                    ExchangeInfo{prepared->target.provider->alias, prepared->target.upstream_model,
                                 request.request_id(), prepared->stream});
  SetTransfer(deps.http->Start(std::move(prepared->http), &*exchange_));
}

}  // namespace llmsrouter::router
