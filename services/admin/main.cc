// llmsrouter-admin: user management CLI, talking to the auth service's admin API.
#include <iostream>

#include "common/options.h"

using namespace llmsrouter;

int main(int argc, char** argv) {
  auto options = Options::FromProcess(
      {{"auth", "AUTH_ADDR", "127.0.0.1:50052", "Auth service gRPC address."}}, argc, argv);
  if (options.ok() && options->help()) {
    std::cout << options->HelpText(
        "llmsrouter-admin — manage users and API keys.\n"
        "Usage: llmsrouter-admin [--auth ADDR] COMMAND ...");
    return 0;
  }
  std::cerr << "llmsrouter-admin: user management is not available in this build\n";
  return 1;
}
