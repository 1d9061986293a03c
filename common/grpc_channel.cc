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

grpc::ChannelArguments ServiceChannelArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 128 << 20);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  return args;
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeServiceChannel(const std::string& address) {
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   ServiceChannelArgs());
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeServiceChannel(const std::string& address,
                                                                  const ChannelSecurity& security) {
  auto credentials = MakeChannelCredentials(security.tls);
  if (!credentials.ok()) return credentials.status();
  if (security.service_token.empty()) {
    return grpc::CreateCustomChannel(address, *credentials, ServiceChannelArgs());
  }
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<ServiceTokenInterceptorFactory>(security.service_token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, *credentials, ServiceChannelArgs(), std::move(interceptors));
}

}  // namespace llmsrouter
