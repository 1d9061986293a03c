// Who may use the admin API: named admin tokens compared in constant time, and whether the
// transport is private enough to send a token over at all.
#ifndef LLMSROUTER_SERVICES_AUTH_ADMIN_ACCESS_H_
#define LLMSROUTER_SERVICES_AUTH_ADMIN_ACCESS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/options.h"

namespace llmsrouter::auth {

struct AdminToken {
  std::string name;  // recorded in the audit trail
  std::string token;
};

struct AdminOptions {
  // Empty: the admin API is off (PERMISSION_DENIED saying so).
  std::vector<AdminToken> tokens;
  // False when tokens would cross the network in plaintext (no TLS, not loopback): every call
  // is refused (PERMISSION_DENIED saying why).
  bool transport_ok = true;
};

// LLMSROUTER_ADMIN_TOKEN (named `single_name`) plus LLMSROUTER_ADMIN_TOKENS
// ("name=token,name2=token2"). INVALID_ARGUMENT for a malformed list, an empty name or
// token, or a name used twice.
absl::StatusOr<std::vector<AdminToken>> ParseAdminTokens(std::string_view single,
                                                         std::string_view single_name,
                                                         std::string_view list);

// The name of the token in `authorization` ("Bearer <token>"), or nullopt. Every token is
// compared, in constant time, whatever matches.
std::optional<std::string> MatchAdminToken(std::string_view authorization,
                                           const std::vector<AdminToken>& tokens);

// LLMSROUTER_ADMIN_TOKEN, LLMSROUTER_ADMIN_TOKEN_NAME, LLMSROUTER_ADMIN_TOKENS and
// LLMSROUTER_ADMIN_ALLOW_PLAINTEXT, for the binaries that serve the admin API.
std::vector<FlagSpec> AdminFlagSpecs();

// The admin API's options for a server listening on `listen`, with TLS on or not.
absl::StatusOr<AdminOptions> AdminOptionsFrom(const Options& options, std::string_view listen,
                                              bool tls);

// True for "127.x.x.x:port", "localhost:port", "[::1]:port" (a token sent there never leaves
// the machine).
bool IsLoopbackListen(std::string_view listen);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_ADMIN_ACCESS_H_
