// What an API key grants: the one decision the auth service makes and its clients (the
// gateway, the router) cache and act on.
#ifndef LLMSROUTER_COMMON_AUTH_INFO_H_
#define LLMSROUTER_COMMON_AUTH_INFO_H_

#include <string>
#include <vector>

namespace llmsrouter {

struct AuthInfo {
  std::string user;
  std::vector<std::string> permissions;
  bool all_providers = false;
  std::string bypass_model;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_AUTH_INFO_H_
