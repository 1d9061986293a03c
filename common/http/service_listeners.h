// The listeners of a gRPC service process (llmsrouter-router, -auth, -tracer): the gRPC server
// on --listen (TLS from the --tls-* flags) and, when --metrics-listen is set, the HTTP
// metrics listener.
#ifndef LLMSROUTER_COMMON_HTTP_SERVICE_LISTENERS_H_
#define LLMSROUTER_COMMON_HTTP_SERVICE_LISTENERS_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/grpc_server.h"
#include "common/http/http_server.h"
#include "common/options.h"

namespace llmsrouter::web {

class ServiceListeners {
 public:
  // Starts both (the metrics listener logged under `component`); an error when the TLS files
  // cannot be read or an address cannot be bound.
  static absl::StatusOr<std::unique_ptr<ServiceListeners>> Start(
      const Options& options, const std::vector<grpc::Service*>& services,
      std::string_view component);
  ~ServiceListeners();

  int port() const { return grpc_.port; }
  grpc::Server& grpc() { return *grpc_.server; }
  // Stops taking calls and waits up to `deadline` for those in flight; then stops the metrics
  // listener. Once.
  void Shutdown(absl::Duration deadline);

 private:
  ServiceListeners() = default;
  GrpcServer grpc_;
  std::unique_ptr<HttpServer> metrics_;
};

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_SERVICE_LISTENERS_H_
