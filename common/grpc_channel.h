// Client channels to our own services, configured the same way everywhere.
#ifndef LLMSROUTER_COMMON_GRPC_CHANNEL_H_
#define LLMSROUTER_COMMON_GRPC_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace llmsrouter {

// An insecure channel to "host:port" with keepalive and reconnect settings suited to long
// streams between services.
std::shared_ptr<grpc::Channel> MakeServiceChannel(const std::string& address);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_GRPC_CHANNEL_H_
