#include "common/grpc_tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>

#include "common/strings.h"

namespace llmsrouter {
namespace {

using grpc::experimental::FileWatcherCertificateProvider;

absl::Status CheckReadable(const std::string& path, std::string_view what) {
  if (path.empty()) return absl::OkStatus();
  std::ifstream in(path);
  if (!in.good()) return absl::InvalidArgumentError(StrCat("cannot read ", what, " ", path));
  return absl::OkStatus();
}

absl::Status CheckFiles(const TlsFiles& files) {
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (files.refresh_seconds <= 0) {
    return absl::InvalidArgumentError("LLMSROUTER_TLS_REFRESH_SECONDS must be a positive number");
  }
  if (auto s = CheckReadable(files.cert, "--tls-cert"); !s.ok()) return s;
  if (auto s = CheckReadable(files.key, "--tls-key"); !s.ok()) return s;
  return CheckReadable(files.ca, "--tls-ca");
}

// The files, re-read every refresh_seconds (gRPC keeps the last good pair when a read fails).
absl::StatusOr<std::shared_ptr<FileWatcherCertificateProvider>> WatchFiles(const TlsFiles& files) {
  if (auto s = CheckFiles(files); !s.ok()) return s;
  return std::make_shared<FileWatcherCertificateProvider>(
      files.key, files.cert, files.ca, static_cast<unsigned>(files.refresh_seconds));
}

}  // namespace

std::vector<FlagSpec> TlsFlagSpecs() {
  return {
      {"tls-cert", "LLMSROUTER_TLS_CERT", "",
       "PEM certificate chain this process presents on gRPC (server, and client for mTLS)."},
      {"tls-key", "LLMSROUTER_TLS_KEY", "", "PEM private key of --tls-cert."},
      {"tls-ca", "LLMSROUTER_TLS_CA", "",
       "PEM CA bundle. Clients: TLS on, the server must be signed by it. Servers: every "
       "client must present a certificate signed by it (mutual TLS)."},
      {"tls-server-name", "LLMSROUTER_TLS_SERVER_NAME", "",
       "Clients: the name the server certificate must carry when it differs from the host in "
       "the target (needed for multi-address targets such as ipv4:a:p,b:p)."},
      {"", "LLMSROUTER_TLS_REFRESH_SECONDS", "10",
       "How often the TLS files are re-read (rotated certificates need no restart)."},
  };
}

absl::StatusOr<TlsFiles> TlsFilesFrom(const Options& options) {
  TlsFiles files;
  files.cert = options.Get("tls-cert");
  files.key = options.Get("tls-key");
  files.ca = options.Get("tls-ca");
  files.server_name = options.Get("tls-server-name");
  if (!ParseInt(options.Get("LLMSROUTER_TLS_REFRESH_SECONDS"), &files.refresh_seconds)) {
    files.refresh_seconds = 0;
  }
  if (auto s = CheckFiles(files); !s.ok()) return s;
  return files;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFrom(
    const Options& options) {
  auto files = TlsFilesFrom(options);
  if (!files.ok()) return files.status();
  return MakeServerCredentials(*files);
}

std::string ServerTlsMode(const TlsFiles& files) {
  if (!files.server_enabled()) return "off";
  return files.mutual() ? "mutual" : "on";
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsFiles& files) {
  if (!files.server_enabled()) {
    if (!files.ca.empty()) {
      return absl::InvalidArgumentError(
          "a gRPC server with --tls-ca needs its own --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  auto provider = WatchFiles(files);
  if (!provider.ok()) return provider.status();
  grpc::experimental::TlsServerCredentialsOptions options(*provider);
  options.watch_identity_key_cert_pairs();
  if (files.mutual()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsFiles& files) {
  if (!files.client_enabled()) {
    if (!files.cert.empty()) {
      return absl::InvalidArgumentError(
          "a gRPC client with --tls-cert needs --tls-ca to verify the server");
    }
    return grpc::InsecureChannelCredentials();
  }
  auto provider = WatchFiles(files);
  if (!provider.ok()) return provider.status();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(*provider);
  options.watch_root_certs();
  if (!files.cert.empty()) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace llmsrouter
