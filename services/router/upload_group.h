// Model groups for streamed uploads: a form whose `model` is a group's name goes to one of the
// group's deployments, picked and permitted as a JSON call to that group would be.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_GROUP_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_GROUP_H_

#include <optional>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/group_balancer.h"
#include "services/router/group_route.h"
#include "services/router/router_config.h"

namespace llmsrouter::router {

// RouteToGroup for a multipart form whose body (`request.body()`, possibly only its first
// bytes) holds its `model` field: the route with its first deployment picked (route.open,
// counted in flight by `balancer` until FinishAttempt), or nullopt when the model is not a
// group's (or is not in the bytes held, or the call names a provider or ids).
// PERMISSION_DENIED (provider_not_permitted) as RouteToGroup.
absl::StatusOr<std::optional<GroupRoute>> RouteUploadToGroup(GroupBalancer& balancer,
                                                             const RouterConfig& config,
                                                             const v1::CallRequest& request);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_GROUP_H_
