// llmsrouter-admin health: the model groups' deployments as one router replica sees them
// (RouterService.Health).
#ifndef LLMSROUTER_SERVICES_ADMIN_HEALTH_COMMAND_H_
#define LLMSROUTER_SERVICES_ADMIN_HEALTH_COMMAND_H_

#include <ostream>
#include <string>

#include "llmsrouter/router/v1/router.grpc.pb.h"

namespace llmsrouter::admin {

// Prints one line per deployment: group, deployment, strategy, weight, state, cooldown
// left, in flight, calls, ejections, moving TTFT and the cause of the last ejection.
// `api_key` (may be empty) goes as the bearer token: routers with accounts on show a key
// the deployments of the providers it may use. Exit codes as RunAdminCommand's.
int RunHealth(router::v1::RouterService::StubInterface& stub, const std::string& api_key,
              std::ostream& out, std::ostream& err);

// The table RunHealth prints.
std::string FormatHealth(const router::v1::GroupHealthResponse& response);

}  // namespace llmsrouter::admin

#endif  // LLMSROUTER_SERVICES_ADMIN_HEALTH_COMMAND_H_
