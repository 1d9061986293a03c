// An AuthClient answering from a map of keys, synchronously, for tests.
#ifndef LLMSROUTER_COMMON_TESTING_FAKE_AUTH_CLIENT_H_
#define LLMSROUTER_COMMON_TESTING_FAKE_AUTH_CLIENT_H_

#include <map>
#include <string>
#include <vector>

#include "common/auth_client.h"

namespace llmsrouter {

class FakeAuthClient : public AuthClient {
 public:
  std::map<std::string, AuthInfo> keys;
  std::vector<std::string> clients_seen;

  void Authenticate(const std::string& api_key, const std::string& client,
                    AuthCallback done) override {
    clients_seen.push_back(client);
    auto it = keys.find(api_key);
    if (it == keys.end()) return done(absl::UnauthenticatedError("invalid API key"));
    done(it->second);
  }
  void SetBypass(const std::string&, const std::string&, const std::string& model,
                 BypassCallback done) override {
    done(model);
  }
  void GetBypass(const std::string&, const std::string&, BypassCallback done) override {
    done(std::string());
  }
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_TESTING_FAKE_AUTH_CLIENT_H_
