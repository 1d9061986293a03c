#include "common/service_identity.h"

#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace llmsrouter {
namespace {

constexpr size_t kMinTokenLength = 16;

std::string ToString(const grpc::string_ref& ref) { return std::string(ref.data(), ref.size()); }

}  // namespace

std::vector<FlagSpec> ServiceTokenFlagSpecs() {
  return {
      {"service-token", "LLMSROUTER_SERVICE_TOKEN", "",
       "Shared secret the gateway sends to the router to prove it is the gateway (when TLS "
       "client certificates are not used). Same value on both."},
      {"service-token-file", "LLMSROUTER_SERVICE_TOKEN_FILE", "",
       "File holding the service token (e.g. a mounted Kubernetes secret)."},
  };
}

absl::StatusOr<std::string> ServiceTokenFrom(const Options& options) {
  std::string token = options.Get("service-token");
  const std::string& file = options.Get("service-token-file");
  if (token.empty() && !file.empty()) {
    std::ifstream in(file);
    if (!in.good())
      return absl::InvalidArgumentError(StrCat("cannot read --service-token-file ", file));
    std::stringstream buffer;
    buffer << in.rdbuf();
    token = std::string(Trim(buffer.str()));
  }
  if (!token.empty() && token.size() < kMinTokenLength) {
    return absl::InvalidArgumentError("the service token must be at least 16 characters long");
  }
  return token;
}

absl::StatusOr<TrustPolicy> TrustPolicyFrom(const Options& options, bool mutual_tls) {
  TrustPolicy policy;
  auto token = ServiceTokenFrom(options);
  if (!token.ok()) return token.status();
  policy.service_token = *token;
  policy.trusted_peers = ParsePeerList(options.Get("trusted-peers"));
  if (!policy.trusted_peers.empty() && !mutual_tls) {
    return absl::InvalidArgumentError(
        "--trusted-peers needs --tls-ca (client certificates verified by this service)");
  }
  return policy;
}

bool CallerTrust::TokenMatches(std::string_view presented) const {
  return !policy_.service_token.empty() && ConstantTimeEquals(presented, policy_.service_token);
}

bool CallerTrust::PeerMatches(const std::vector<std::string>& names) const {
  for (const std::string& name : names) {
    for (const std::string& trusted : policy_.trusted_peers) {
      if (name == trusted) return true;
    }
  }
  return false;
}

bool CallerTrust::IsTrusted(const grpc::ServerContextBase& context) const {
  if (!policy_.service_token.empty()) {
    const auto& metadata = context.client_metadata();
    auto it = metadata.find(kServiceTokenMetadata);
    if (it != metadata.end() && TokenMatches(ToString(it->second))) return true;
  }
  if (policy_.trusted_peers.empty()) return false;
  auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return false;
  std::vector<std::string> names;
  for (const char* property : {GRPC_X509_SAN_PROPERTY_NAME, GRPC_X509_CN_PROPERTY_NAME}) {
    for (const auto& value : auth->FindPropertyValues(property)) names.push_back(ToString(value));
  }
  return PeerMatches(names);
}

std::vector<std::string> ParsePeerList(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view part : Split(list, ',')) {
    part = Trim(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

}  // namespace llmsrouter
