#include "services/admin/health_command.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "common/strings.h"
#include "services/admin/admin_cli.h"

namespace llmsrouter::admin {

std::string FormatHealth(const router::v1::GroupHealthResponse& response) {
  if (response.deployments_size() == 0) return "no model groups configured\n";
  std::string out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-16s %-32s %-10s %6s %-8s %9s %9s %8s %9s %8s  %s\n", "GROUP",
                "DEPLOYMENT", "STRATEGY", "WEIGHT", "STATE", "COOLDOWN", "IN_FLIGHT", "CALLS",
                "EJECTIONS", "TTFT_MS", "CAUSE");
  out += line;
  for (const auto& d : response.deployments()) {
    char cooldown[32] = "-";
    if (d.state() == "ejected") {
      std::snprintf(cooldown, sizeof(cooldown), "%.1fs", d.cooldown_left_ms() / 1000.0);
    }
    std::string ttft = d.ttft_ms() > 0 ? std::to_string(static_cast<int64_t>(d.ttft_ms())) : "-";
    std::snprintf(line, sizeof(line), "%-16s %-32s %-10s %6d %-8s %9s %9d %8llu %9llu %8s  %s\n",
                  d.group().c_str(), d.deployment().c_str(), d.strategy().c_str(), d.weight(),
                  d.state().c_str(), cooldown, d.in_flight(),
                  static_cast<unsigned long long>(d.calls()),
                  static_cast<unsigned long long>(d.ejections()), ttft.c_str(),
                  d.cause().empty() ? "-" : d.cause().c_str());
    out += line;
  }
  return out;
}

int RunHealth(router::v1::RouterService::StubInterface& stub, const std::string& api_key,
              std::ostream& out, std::ostream& err) {
  grpc::ClientContext context;
  if (!api_key.empty()) context.AddMetadata("authorization", StrCat("Bearer ", api_key));
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  router::v1::GroupHealthResponse response;
  grpc::Status status = stub.Health(&context, router::v1::GroupHealthRequest(), &response);
  if (!status.ok()) {
    err << "error: " << status.error_message() << "\n";
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      err << "hint: is the router running at --router/ROUTER_ADDR?\n";
      return kUnreachable;
    }
    return status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                   status.error_code() == grpc::StatusCode::PERMISSION_DENIED
               ? kUnauthorized
               : kFailed;
  }
  out << FormatHealth(response);
  return kOk;
}

}  // namespace llmsrouter::admin
