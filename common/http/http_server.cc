#include "common/http/http_server.h"

#include "absl/time/clock.h"
#include "common/strings.h"

namespace llmsrouter::web {

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !ParseInt(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(StrCat("address '", address, "' must look like HOST:PORT"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, port);
}

HttpServer::HttpServer(LoopPool* loops, HttpLimits limits, RequestHandler handler)
    : loops_(loops), limits_(limits), handler_(std::move(handler)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                              int threads, HttpLimits limits,
                                                              RequestHandler handler) {
  auto loops = std::make_unique<LoopPool>(std::max(1, threads), "http");
  auto server = Start(listen, loops.get(), limits, std::move(handler));
  if (server.ok()) (*server)->owned_loops_ = std::move(loops);
  return server;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                              LoopPool* loops, HttpLimits limits,
                                                              RequestHandler handler) {
  auto host_port = SplitHostPort(listen);
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<HttpServer> server(new HttpServer(loops, limits, std::move(handler)));
  beast::error_code ec;
  auto address = net::ip::make_address(host_port->first, ec);
  if (ec) return absl::InvalidArgumentError(StrCat("bad listen host: ", listen));
  net::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(host_port->second));
  auto acceptor = std::make_unique<net::ip::tcp::acceptor>(loops->loop(0).context());
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  net::post(loops->loop(0).context(), [s = server.get()] { s->Accept(); });
  return server;
}

void HttpServer::Accept() {
  net::io_context& target = loops_->Next().context();
  acceptor_->async_accept(target, [this](beast::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) std::make_shared<HttpSession>(std::move(socket), limits_, handler_, in_flight_)->Run();
    Accept();
  });
}

// On the acceptor's loop, and waited for: after this returns no connection is accepted.
void HttpServer::CloseAcceptor() {
  if (!acceptor_ || acceptor_closed_) return;
  acceptor_closed_ = true;
  IoLoop& loop = loops_->loop(0);
  if (loop.InLoop()) {
    beast::error_code ignored;
    acceptor_->close(ignored);
    return;
  }
  if (!loops_->RunOnEach(
          [this](IoLoop& l) {
            if (l.index() != 0) return;
            beast::error_code ignored;
            acceptor_->close(ignored);
          },
          absl::Seconds(5))) {
    beast::error_code ignored;  // loop 0 is stuck: close from here rather than hang
    acceptor_->close(ignored);
  }
}

void HttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  CloseAcceptor();
  if (owned_loops_) owned_loops_->Stop();
}

bool HttpServer::Drain(absl::Duration deadline) {
  CloseAcceptor();
  absl::Time until = absl::Now() + deadline;
  while (in_flight_->load() > 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));  // a shutdown-only poll of an atomic counter
  }
  return in_flight_->load() == 0;
}

HttpServer::~HttpServer() {
  Stop();
  // The acceptor belongs to loop 0's context: destroyed before a pool of our own goes.
  acceptor_.reset();
}

}  // namespace llmsrouter::web
