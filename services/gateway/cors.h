// Calls from web pages on other origins (--cors-origins): which origins may call, the answer
// to a browser's preflight, and the headers every answer to such an origin carries.
#ifndef LLMSROUTER_SERVICES_GATEWAY_CORS_H_
#define LLMSROUTER_SERVICES_GATEWAY_CORS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class CorsPolicy {
 public:
  CorsPolicy() = default;  // off: no origin allowed, OPTIONS is not answered
  // "" (off), "*" (any origin) or a comma-separated list of origins such as
  // "https://app.example.com,http://localhost:3000". INVALID_ARGUMENT for an entry that is
  // not scheme://host[:port].
  static absl::StatusOr<CorsPolicy> Parse(std::string_view origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  bool Allows(std::string_view origin) const;
  // 204 for a preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin.
  HttpResponse Preflight(const HttpRequest& request, std::string_view origin) const;
  // What every answer to an allowed origin adds.
  static HeaderList AnswerHeaders(std::string_view origin);

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // lower case
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_CORS_H_
