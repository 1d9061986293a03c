// llmsrouter-admin: user management CLI, talking to the auth service's admin gRPC API.
#include <iostream>

#include "common/grpc_channel.h"
#include "common/options.h"
#include "common/process_setup.h"
#include "services/admin/admin_cli.h"
#include "services/admin/health_command.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  SetUpProcess();
  // Global flags come first; the command and its own options follow.
  int first_command = 1;
  while (first_command < argc && std::string(argv[first_command]).starts_with("--") &&
         std::string(argv[first_command]) != "--help") {
    first_command += std::string(argv[first_command]).find('=') == std::string::npos ? 2 : 1;
  }
  first_command = std::min(first_command, argc);
  std::vector<FlagSpec> specs = {
      {"auth", "AUTH_ADDR", "127.0.0.1:50052",
       "Auth service gRPC address (llmsrouter --grpc-listen for the all-in-one)."},
      {"", "LLMSROUTER_ADMIN_TOKEN", "", "Admin token, the same as on the auth service."},
      {"router", "ROUTER_ADDR", "127.0.0.1:50051",
       "Router gRPC address, for `health` (llmsrouter --grpc-listen for the all-in-one)."},
      {"", "LLMSROUTER_API_KEY", "",
       "For `health` on a router with accounts on: an API key (it sees its providers' groups)."}};
  for (auto& spec : TlsFlagSpecs()) specs.push_back(std::move(spec));
  auto options = Options::FromProcess(std::move(specs), first_command, argv);
  if (!options.ok()) {
    std::cerr << "llmsrouter-admin: " << options.status().message() << "\n";
    return admin::kUsage;
  }
  std::vector<std::string> args(argv + first_command, argv + argc);
  if (options->help() || (!args.empty() && (args[0] == "--help" || args[0] == "help"))) {
    std::cout << options->HelpText(
                     "llmsrouter-admin — manage users and API keys.\n"
                     "Usage: llmsrouter-admin [--auth ADDR] COMMAND [ARGS]")
              << "\n"
              << admin::UsageText();
    return 0;
  }
  auto tls = TlsFilesFrom(*options);
  bool health = !args.empty() && args[0] == "health";
  auto channel = tls.ok() ? MakeServiceChannel(options->Get(health ? "router" : "auth"), {*tls, ""})
                          : absl::StatusOr<std::shared_ptr<grpc::Channel>>(tls.status());
  if (!channel.ok()) {
    std::cerr << "llmsrouter-admin: " << channel.status().message() << "\n";
    return admin::kUsage;
  }
  if (health) {
    auto router = router::v1::RouterService::NewStub(*channel);
    return admin::RunHealth(*router, options->Get("LLMSROUTER_API_KEY"), std::cout, std::cerr);
  }
  auto stub = auth::v1::AdminService::NewStub(*channel);
  return admin::RunAdminCommand(args, *stub, options->Get("LLMSROUTER_ADMIN_TOKEN"), std::cout,
                                std::cerr);
}
