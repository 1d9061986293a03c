#include "services/auth/admin_access.h"

#include <set>

#include "common/auth_client.h"
#include "common/strings.h"

namespace llmsrouter::auth {

absl::StatusOr<std::vector<AdminToken>> ParseAdminTokens(std::string_view single,
                                                         std::string_view single_name,
                                                         std::string_view list) {
  std::vector<AdminToken> tokens;
  if (!single.empty()) tokens.push_back({std::string(single_name), std::string(single)});
  for (std::string_view entry : Split(list, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || Trim(entry.substr(0, eq)).empty() ||
        Trim(entry.substr(eq + 1)).empty()) {
      return absl::InvalidArgumentError(
          "LLMSROUTER_ADMIN_TOKENS must be name=token pairs separated by commas");
    }
    tokens.push_back(
        {std::string(Trim(entry.substr(0, eq))), std::string(Trim(entry.substr(eq + 1)))});
  }
  std::set<std::string> names;
  for (const auto& t : tokens) {
    if (t.name.empty()) return absl::InvalidArgumentError("an admin token needs a name");
    if (!names.insert(t.name).second) {
      return absl::InvalidArgumentError(StrCat("admin token name '", t.name, "' is used twice"));
    }
  }
  return tokens;
}

std::optional<std::string> MatchAdminToken(std::string_view authorization,
                                           const std::vector<AdminToken>& tokens) {
  std::string presented = BearerToken(authorization);
  std::optional<std::string> match;
  for (const auto& t : tokens) {
    if (ConstantTimeEquals(presented, t.token) && !presented.empty() && !match) match = t.name;
  }
  return match;
}

std::vector<FlagSpec> AdminFlagSpecs() {
  return {
      {"", "LLMSROUTER_ADMIN_TOKEN", "", "Token guarding the admin API; empty turns it off."},
      {"", "LLMSROUTER_ADMIN_TOKEN_NAME", "admin",
       "Name of LLMSROUTER_ADMIN_TOKEN in the audit trail."},
      {"", "LLMSROUTER_ADMIN_TOKENS", "",
       "More admin tokens, each with its name: name=token,name2=token2."},
      {"", "LLMSROUTER_ADMIN_ALLOW_PLAINTEXT", "false",
       "true: serve the admin API without TLS on a non-loopback address (private networks "
       "only: the token crosses the network in clear)."},
  };
}

absl::StatusOr<AdminOptions> AdminOptionsFrom(const Options& options, std::string_view listen,
                                              bool tls) {
  auto tokens = ParseAdminTokens(options.Get("LLMSROUTER_ADMIN_TOKEN"),
                                 options.Get("LLMSROUTER_ADMIN_TOKEN_NAME"),
                                 options.Get("LLMSROUTER_ADMIN_TOKENS"));
  if (!tokens.ok()) return tokens.status();
  AdminOptions out;
  out.tokens = *std::move(tokens);
  out.transport_ok =
      tls || IsLoopbackListen(listen) || options.GetBool("LLMSROUTER_ADMIN_ALLOW_PLAINTEXT");
  return out;
}

bool IsLoopbackListen(std::string_view listen) {
  size_t colon = listen.rfind(':');
  std::string_view host = colon == std::string_view::npos ? listen : listen.substr(0, colon);
  return host.starts_with("127.") || host == "localhost" || host == "[::1]";
}

}  // namespace llmsrouter::auth
