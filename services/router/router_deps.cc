#include "services/router/router_deps.h"

#include "common/loop_pool.h"

namespace llmsrouter::router {

RouterDeps ForCurrentLoop(const RouterDeps& deps) {
  IoLoop* loop = IoLoop::Current();
  if (deps.loops == nullptr || loop == nullptr) return deps;
  int i = loop->index();
  if (i >= deps.loops->pool->size() || &deps.loops->pool->loop(i) != loop ||
      i >= static_cast<int>(deps.loops->http.size())) {
    return deps;  // a loop of another pool (e.g. the metrics listener)
  }
  RouterDeps own = deps;
  own.http = deps.loops->http[i];
  own.scheduler = loop;
  return own;
}

}  // namespace llmsrouter::router
