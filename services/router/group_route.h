// A call to a model group: which deployments it tried, and how an attempt's end counts for
// the deployment's health. Glue between the call path and the GroupBalancer.
#ifndef LLMSROUTER_SERVICES_ROUTER_GROUP_ROUTE_H_
#define LLMSROUTER_SERVICES_ROUTER_GROUP_ROUTE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/group_balancer.h"
#include "services/router/router_config.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

struct GroupRoute {
  std::string group;
  EjectionPolicy policy;
  std::string affinity_key;
  // Deployments tried so far (the last one is the current attempt's).
  std::vector<std::string> tried;
  // The deployment of the attempt in flight, counted by the balancer until finished.
  std::optional<std::string> open;
};

// When the call names a group (its body's model is a plain name that is a group; no ?proxy=,
// no model override and none of the gateway's resource ids, which bind it to their
// provider), the route with the first deployment picked (route.open).
// nullopt: not a group call. PERMISSION_DENIED (code provider_not_permitted) when the user
// may use none of the group's deployments.
absl::StatusOr<std::optional<GroupRoute>> RouteToGroup(GroupBalancer& balancer,
                                                       const RouterConfig& config,
                                                       const v1::CallRequest& request,
                                                       const JsonBody& body);

// Prepares the call for a deployment ("[alias]model"); an error skips the deployment.
using DeploymentPreparer = std::function<absl::StatusOr<PreparedCall>(const std::string& model)>;

// The next untried deployment of the route's group, prepared (by PrepareCall, or `prepare`
// when set: a streamed upload's); it becomes route->open. nullopt when none is left (or the
// group left the config).
std::optional<PreparedCall> NextDeployment(GroupBalancer& balancer,
                                           std::shared_ptr<const RouterConfig> config,
                                           const v1::CallRequest& request, GroupRoute* route,
                                           const DeploymentPreparer& prepare = nullptr);

// Ends the route's open attempt (if any) with `result`.
void FinishAttempt(GroupBalancer& balancer, GroupRoute* route, const AttemptResult& result);

// How an attempt that failed before the first byte counts (see TakeOverFailure).
AttemptResult FailureResult(const absl::Status& transport, int http_status,
                            absl::Duration retry_after);

// How a finished attempt counts: `status` of the call, the upstream's HTTP status and
// timings from its summary (null when none was emitted).
AttemptResult FinishedResult(const absl::Status& status, const v1::CallSummary* summary);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_GROUP_ROUTE_H_
