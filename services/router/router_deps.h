// What the router's RPC handlers need, injected by main.
#ifndef LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_
#define LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_

#include "common/clock.h"
#include "services/router/config_store.h"
#include "services/router/http_client.h"

namespace llmsrouter::router {

// Not owned; all must outlive the server.
struct RouterDeps {
  ConfigStore* config = nullptr;
  HttpClient* http = nullptr;
  const Clock* clock = &SystemClock::Get();
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_ROUTER_DEPS_H_
