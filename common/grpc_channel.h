// Client channels to our own services, configured the same way everywhere.
#ifndef LLMSROUTER_COMMON_GRPC_CHANNEL_H_
#define LLMSROUTER_COMMON_GRPC_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/grpc_tls.h"

namespace llmsrouter {

struct ChannelSecurity {
  // Client side of TLS (plaintext without a CA).
  TlsFiles tls;
  // Sent in every call's metadata when set (proves the caller is the gateway).
  std::string service_token;
};

// A plaintext channel to a gRPC target ("host:port", "dns:///name:port",
// "ipv4:a:p,b:p") with round robin over its addresses, a retry on another replica for calls
// that fail UNAVAILABLE before their response head, and keepalive and reconnect settings
// suited to long streams between services.
std::shared_ptr<grpc::Channel> MakeServiceChannel(const std::string& address);
// The same with TLS and the service token as `security` says. INVALID_ARGUMENT when the TLS
// files are unusable (see MakeChannelCredentials).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeServiceChannel(const std::string& address,
                                                                  const ChannelSecurity& security);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_GRPC_CHANNEL_H_
