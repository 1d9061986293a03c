// Building and starting a gRPC server the same way in every binary.
#ifndef LLMSROUTER_COMMON_GRPC_SERVER_H_
#define LLMSROUTER_COMMON_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace llmsrouter {

struct GrpcServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Listens on `listen` ("host:port"; port 0 picks a free one) with the standard health service
// (grpc.health.v1) and server reflection (v1alpha). Services are not owned. `credentials`
// (MakeServerCredentials) null means plaintext. Each client connection gets a GOAWAY after
// about `max_connection_age` (its calls may go on for 15 more minutes), so clients re-resolve
// and re-balance. UNAVAILABLE when the address cannot be bound.
absl::StatusOr<GrpcServer> StartGrpcServer(
    const std::string& listen, const std::vector<grpc::Service*>& services,
    std::shared_ptr<grpc::ServerCredentials> credentials = nullptr,
    absl::Duration max_connection_age = absl::Minutes(5));

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_GRPC_SERVER_H_
