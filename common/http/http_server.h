// Accepts connections and runs sessions on a pool of single-threaded io_contexts.
#ifndef LLMSROUTER_COMMON_HTTP_HTTP_SERVER_H_
#define LLMSROUTER_COMMON_HTTP_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/http/http_session.h"
#include "common/loop_pool.h"

namespace llmsrouter::web {

class HttpServer {
 public:
  // Binds `listen` ("host:port", port 0 picks a free one) and serves on `loops` (not owned;
  // must outlive the server), spreading connections round-robin: each connection, and the
  // calls it makes, stays on the loop that accepted it. UNAVAILABLE when the address cannot
  // be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen,
                                                           LoopPool* loops, HttpLimits limits,
                                                           RequestHandler handler);
  // The same on a pool of `threads` loops of its own.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen, int threads,
                                                           HttpLimits limits,
                                                           RequestHandler handler);
  ~HttpServer();

  int port() const { return port_; }
  // Stops accepting; with a pool of its own, also closes every connection and joins the
  // threads (a shared pool's owner stops it).
  void Stop();
  // Stops accepting new connections and waits (up to `deadline`) for requests in flight,
  // streams included, to finish. True when none was left.
  bool Drain(absl::Duration deadline);
  int in_flight() const { return in_flight_->load(); }
  LoopPool& loops() { return *loops_; }

 private:
  HttpServer(LoopPool* loops, HttpLimits limits, RequestHandler handler);
  void Accept();
  void CloseAcceptor();

  std::unique_ptr<LoopPool> owned_loops_;
  LoopPool* loops_;
  std::unique_ptr<net::ip::tcp::acceptor> acceptor_;
  HttpLimits limits_;
  RequestHandler handler_;
  int port_ = 0;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  bool stopped_ = false;
  bool acceptor_closed_ = false;
};

// Splits "host:port"; INVALID_ARGUMENT when malformed.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address);

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_HTTP_SERVER_H_
