// How one of our services proves to another that it is the gateway (a trusted caller whose
// request fields — user, provider restrictions, model override — are honoured): a shared
// service token in metadata when TLS is off, or its verified mTLS certificate.
#ifndef LLMSROUTER_COMMON_SERVICE_IDENTITY_H_
#define LLMSROUTER_COMMON_SERVICE_IDENTITY_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/options.h"

namespace llmsrouter {

// Metadata that carries the service token (lower case, as gRPC requires).
inline constexpr char kServiceTokenMetadata[] = "x-llmsrouter-service-token";

// --service-token (LLMSROUTER_SERVICE_TOKEN) and --service-token-file
// (LLMSROUTER_SERVICE_TOKEN_FILE, e.g. a mounted Kubernetes secret).
std::vector<FlagSpec> ServiceTokenFlagSpecs();
// The token from the flag, or else from the file (surrounding whitespace dropped); "" when
// neither is set. INVALID_ARGUMENT when the file cannot be read or the token is shorter than
// 16 characters.
absl::StatusOr<std::string> ServiceTokenFrom(const Options& options);

struct TrustPolicy {
  // A caller presenting this token in kServiceTokenMetadata is trusted; empty: none is.
  std::string service_token;
  // A caller whose verified client certificate names one of these (a DNS/URI SAN or the
  // CN) is trusted. Meaningful only on a server that verifies client certificates (--tls-ca).
  std::vector<std::string> trusted_peers;
};

// Thread-safe and immutable.
class CallerTrust {
 public:
  explicit CallerTrust(TrustPolicy policy) : policy_(std::move(policy)) {}
  // False when no way of proving trust is configured (every caller is then a direct client).
  bool configured() const {
    return !policy_.service_token.empty() || !policy_.trusted_peers.empty();
  }
  // True when the caller proved it is a trusted service, by token or by certificate.
  bool IsTrusted(const grpc::ServerContextBase& context) const;

  // The two proofs, apart, for tests. `presented` is the metadata value ("" when absent);
  // `names` are the SAN and CN values of a verified peer certificate.
  bool TokenMatches(std::string_view presented) const;
  bool PeerMatches(const std::vector<std::string>& names) const;

 private:
  TrustPolicy policy_;
};

// The trust policy from --service-token(-file) and --trusted-peers; `mutual_tls`: the server
// verifies client certificates (--tls-ca), which --trusted-peers needs (INVALID_ARGUMENT).
absl::StatusOr<TrustPolicy> TrustPolicyFrom(const Options& options, bool mutual_tls);

// Splits a comma-separated --trusted-peers value (blanks dropped).
std::vector<std::string> ParsePeerList(std::string_view list);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_SERVICE_IDENTITY_H_
