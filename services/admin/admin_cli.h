// llmsrouter-admin commands, run against the auth service's AdminService.
#ifndef LLMSROUTER_SERVICES_ADMIN_ADMIN_CLI_H_
#define LLMSROUTER_SERVICES_ADMIN_ADMIN_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "llmsrouter/auth/v1/auth.grpc.pb.h"

namespace llmsrouter::admin {

// Exit codes.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;        // the service refused (not found, exists, ...)
inline constexpr int kUsage = 2;         // bad command line or file
inline constexpr int kPartial = 3;       // import: some rows failed, the rest went in
inline constexpr int kUnreachable = 4;   // auth service or Redis unreachable
inline constexpr int kUnauthorized = 5;  // wrong or missing admin token

std::string UsageText();

// Prints the service's refusal and returns the exit code for it.
int ExitCodeFor(const grpc::Status& status, std::ostream& err);
// A client context carrying the admin token, with the CLI's deadline.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token);

// Runs `args` (command and its arguments). `token` is LLMSROUTER_ADMIN_TOKEN.
int RunAdminCommand(const std::vector<std::string>& args,
                    auth::v1::AdminService::StubInterface& stub, const std::string& token,
                    std::ostream& out, std::ostream& err);

}  // namespace llmsrouter::admin

#endif  // LLMSROUTER_SERVICES_ADMIN_ADMIN_CLI_H_
