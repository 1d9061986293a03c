// A small HTTP listener serving /metrics (and /healthz) for the gRPC services, which have no
// HTTP port of their own.
#ifndef LLMSROUTER_COMMON_HTTP_METRICS_SERVER_H_
#define LLMSROUTER_COMMON_HTTP_METRICS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http/http_server.h"

namespace llmsrouter::web {

// The Prometheus exposition of MetricsRegistry::Global() as an HTTP response.
HttpResponse MetricsResponse();

// Serves MetricsRegistry::Global() on `listen` with one I/O thread.
absl::StatusOr<std::unique_ptr<HttpServer>> StartMetricsServer(const std::string& listen);

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_METRICS_SERVER_H_
