// TLS for every gRPC hop between our services: one place turns the --tls-* files into server
// and channel credentials. Certificates are re-read from disk while running, so a rotated
// Kubernetes secret is picked up without a restart.
#ifndef LLMSROUTER_COMMON_GRPC_TLS_H_
#define LLMSROUTER_COMMON_GRPC_TLS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/options.h"

namespace llmsrouter {

// PEM files. On a server: `cert` + `key` turn TLS on; `ca` also requires every client to
// present a certificate signed by it (mutual TLS). On a client: `ca` turns TLS on and
// verifies the server (its certificate must name the address dialled); `cert` + `key` are
// presented to servers that ask for them. All empty: plaintext.
struct TlsFiles {
  std::string cert;
  std::string key;
  std::string ca;
  // How often the files are checked for changes.
  int refresh_seconds = 10;
  // Client side: the name the server certificate must carry, when it differs from the host
  // dialled (e.g. a multi-address "ipv4:a:p,b:p" target). Empty: the target's own name.
  std::string server_name;

  bool server_enabled() const { return !cert.empty(); }
  bool client_enabled() const { return !ca.empty(); }
  bool mutual() const { return !ca.empty(); }
};

// --tls-cert, --tls-key, --tls-ca, --tls-server-name (LLMSROUTER_TLS_CERT/KEY/CA/SERVER_NAME) and
// LLMSROUTER_TLS_REFRESH_SECONDS, for every binary that serves or dials gRPC.
std::vector<FlagSpec> TlsFlagSpecs();
// INVALID_ARGUMENT when a certificate comes without its key (or the reverse), a file cannot
// be read, or the refresh interval is not a positive number.
absl::StatusOr<TlsFiles> TlsFilesFrom(const Options& options);

// TlsFilesFrom + MakeServerCredentials, for a server's main.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const Options& options);

// "off", "on" or "mutual", for the "listening" log line.
std::string ServerTlsMode(const TlsFiles& files);

// Plaintext when `files` has no certificate; INVALID_ARGUMENT when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files);
// Plaintext when `files` has no CA; INVALID_ARGUMENT when a file cannot be read or a client
// certificate is given without the CA that verifies the server.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_GRPC_TLS_H_
