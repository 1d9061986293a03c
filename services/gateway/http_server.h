// Accepts connections and runs sessions on a pool of single-threaded io_contexts.
#ifndef LLMSROUTER_SERVICES_GATEWAY_HTTP_SERVER_H_
#define LLMSROUTER_SERVICES_GATEWAY_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/gateway/http_session.h"

namespace llmsrouter::gateway {

class HttpServer {
 public:
  // Binds `listen` ("host:port", port 0 picks a free one) and starts `threads` I/O threads.
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, int threads,
                                                           HttpLimits limits,
                                                           RequestHandler handler);
  ~HttpServer();

  int port() const { return port_; }
  // Stops accepting and closes every connection; joins the threads.
  void Stop();
  // Stops accepting new connections and waits (up to `deadline`) for requests in flight,
  // streams included, to finish. True when none was left.
  bool Drain(absl::Duration deadline);
  int in_flight() const { return in_flight_->load(); }

 private:
  HttpServer(int threads, HttpLimits limits, RequestHandler handler);
  void Accept();

  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::unique_ptr<net::ip::tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  HttpLimits limits_;
  RequestHandler handler_;
  size_t next_context_ = 0;
  int port_ = 0;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  bool stopped_ = false;
};

// Splits "host:port"; INVALID_ARGUMENT when malformed.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_HTTP_SERVER_H_
