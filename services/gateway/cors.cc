#include "services/gateway/cors.h"

#include "absl/strings/ascii.h"
#include "common/strings.h"

namespace llmsrouter::gateway {
namespace {

constexpr std::string_view kMethods = "GET, POST, DELETE, OPTIONS";
// What a browser asks to send when the page names none: the SDKs' own headers.
constexpr std::string_view kDefaultHeaders =
    "Authorization, Content-Type, X-Api-Key, Anthropic-Version, Anthropic-Beta, "
    "X-LLMSRouter-Provider, X-Request-Id";
constexpr size_t kMaxRequestedHeaders = 2048;

// scheme://host[:port], nothing after.
bool IsOrigin(std::string_view origin) {
  size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = origin.substr(0, scheme_end);
  std::string_view host = origin.substr(scheme_end + 3);
  if (scheme != "http" && scheme != "https") return false;
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

// A header-name list as browsers send it ("authorization, content-type").
bool IsTokenList(std::string_view list) {
  if (list.empty() || list.size() > kMaxRequestedHeaders) return false;
  for (char c : list) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != ',' && c != ' ') return false;
  }
  return true;
}

beast::string_view ToBeast(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace

absl::StatusOr<CorsPolicy> CorsPolicy::Parse(std::string_view origins) {
  CorsPolicy policy;
  for (std::string_view entry : Split(origins, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    if (entry == "*") {
      policy.any_ = true;
      continue;
    }
    if (!IsOrigin(entry)) {
      return absl::InvalidArgumentError(
          StrCat("--cors-origins: '", entry,
                 "' is not an origin (scheme://host[:port], e.g. https://app.example.com, "
                 "without a path), nor *"));
    }
    policy.origins_.push_back(Lower(entry));
  }
  return policy;
}

bool CorsPolicy::Allows(std::string_view origin) const {
  if (!IsOrigin(origin)) return false;  // "null" (a file, a sandbox) is never allowed
  if (any_) return true;
  std::string lower = Lower(origin);
  for (const std::string& allowed : origins_) {
    if (allowed == lower) return true;
  }
  return false;
}

HttpResponse CorsPolicy::Preflight(const HttpRequest& request, std::string_view origin) const {
  HttpResponse response{http::status::no_content, request.version()};
  for (auto& [name, value] : AnswerHeaders(origin)) response.set(name, value);
  response.set("Access-Control-Allow-Methods", ToBeast(kMethods));
  auto asked = request.find("Access-Control-Request-Headers");
  std::string_view headers =
      asked == request.end() ? "" : std::string_view(asked->value().data(), asked->value().size());
  response.set("Access-Control-Allow-Headers",
               ToBeast(IsTokenList(headers) ? headers : kDefaultHeaders));
  response.set("Access-Control-Max-Age", "600");
  response.set(http::field::vary,
               "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return response;
}

HeaderList CorsPolicy::AnswerHeaders(std::string_view origin) {
  return {{"Access-Control-Allow-Origin", std::string(origin)},
          {"Access-Control-Expose-Headers", "*"},
          {"Vary", "Origin"}};
}

}  // namespace llmsrouter::gateway
