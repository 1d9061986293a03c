// llmsrouter-admin limits set|show|clear and usage (docs/LIMITS.md).
#ifndef LLMSROUTER_SERVICES_ADMIN_LIMITS_COMMANDS_H_
#define LLMSROUTER_SERVICES_ADMIN_LIMITS_COMMANDS_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "llmsrouter/auth/v1/auth.grpc.pb.h"

namespace llmsrouter::admin {

struct CommandArgs {
  std::vector<std::string> positional;       // after the command name
  std::map<std::string, std::string> flags;  // "--rpm" -> "50"
  std::string token;
};

// limits set USER [--rpm N] [--tpm N] [--parallel N] [--budget USD --period P]
// limits show USER [--format json] | limits clear USER
int LimitsCommand(const CommandArgs& args, auth::v1::AdminService::StubInterface& stub,
                  std::ostream& out, std::ostream& err);
// usage [--user U] [--since D] [--until D] [--by day|model|user] [--format table|csv|json]
// (default: the last 30 days up to today, UTC, by day).
int UsageCommand(const CommandArgs& args, auth::v1::AdminService::StubInterface& stub,
                 std::ostream& out, std::ostream& err);

}  // namespace llmsrouter::admin

#endif  // LLMSROUTER_SERVICES_ADMIN_LIMITS_COMMANDS_H_
