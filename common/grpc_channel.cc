#include "common/grpc_channel.h"

#include <grpcpp/support/client_interceptor.h>

#include "common/service_identity.h"

namespace llmsrouter {
namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;

// Adds the service token to the initial metadata of every call on the channel.
class ServiceTokenInterceptor : public Interceptor {
 public:
  explicit ServiceTokenInterceptor(const std::string* token) : token_(token) {}
  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({kServiceTokenMetadata, *token_});
    }
    methods->Proceed();
  }

 private:
  const std::string* token_;  // owned by the factory, which the channel keeps
};

class ServiceTokenInterceptorFactory : public ClientInterceptorFactoryInterface {
 public:
  explicit ServiceTokenInterceptorFactory(std::string token) : token_(std::move(token)) {}
  Interceptor* CreateClientInterceptor(ClientRpcInfo* /*info*/) override {
    return new ServiceTokenInterceptor(&token_);
  }

 private:
  std::string token_;
};

// Round robin over every address the target resolves to (a headless Service's pods, an
// ipv4: list), and one more replica for a call that failed UNAVAILABLE before its response
// head: gRPC commits a call to its attempt once the head arrives, so a retry never repeats
// anything the caller has seen. Admin calls are not retried (they are not idempotent), nor
// is RouterService.CallStream (a streamed upload: gRPC would keep up to the retry buffer of
// every upload, and could send a body again whose first bytes already went upstream); its
// entry, more specific than the service's, has no retryPolicy.
constexpr char kServiceConfig[] = R"({
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "llmsrouter.router.v1.RouterService", "method": "CallStream"}]
  }, {
    "name": [{"service": "llmsrouter.router.v1.RouterService"},
             {"service": "llmsrouter.auth.v1.AuthService"},
             {"service": "llmsrouter.tracer.v1.TracerService"}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.02s",
      "maxBackoff": "0.2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})";

// "ipv4:a:p,b:p" would make the whole list the :authority (and the TLS name); use the first
// address instead.
std::string DefaultAuthority(const std::string& target) {
  for (std::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (target.rfind(scheme, 0) != 0) continue;
    std::string_view rest = std::string_view(target).substr(scheme.size());
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find(',')));
  }
  return "";
}

grpc::ChannelArguments ServiceChannelArgs(const std::string& target,
                                          const std::string& server_name) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 128 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // DNS targets are re-resolved when a connection drops (pods come and go); not more often
  // than this.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 1000);
  args.SetServiceConfigJSON(kServiceConfig);
  // Ours, not one from a DNS TXT record.
  args.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  // A retryable call keeps its request until the head arrives: up to 4 MiB per call (larger
  // ones are not retried) and gRPC's 256 MiB per channel (past it, calls are not retried).
  args.SetInt(GRPC_ARG_PER_RPC_RETRY_BUFFER_SIZE, 4 << 20);
  std::string authority = DefaultAuthority(target);
  if (!authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
  if (!server_name.empty()) args.SetSslTargetNameOverride(server_name);
  return args;
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeServiceChannel(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   ServiceChannelArgs(address, ""));
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeServiceChannel(const std::string& address,
                                                                  const ChannelSecurity& security) {
  auto credentials = MakeChannelCredentials(security.tls);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args = ServiceChannelArgs(address, security.tls.server_name);
  if (security.service_token.empty()) {
    return grpc::CreateCustomChannel(address, *credentials, args);
  }
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<ServiceTokenInterceptorFactory>(security.service_token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, *credentials, args,
                                                                 std::move(interceptors));
}

}  // namespace llmsrouter
