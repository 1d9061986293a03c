#include "services/gateway/http_server.h"

#include "absl/time/clock.h"
#include "common/strings.h"

namespace llmsrouter::gateway {

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

HttpServer::HttpServer(int threads, HttpLimits limits, RequestHandler handler)
    : limits_(limits), handler_(std::move(handler)) {
  for (int i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    guards_.push_back(net::make_work_guard(*contexts_.back()));
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                              int threads, HttpLimits limits,
                                                              RequestHandler handler) {
  auto host_port = SplitHostPort(listen);
  if (!host_port.ok()) return host_port.status();
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::max(1, threads), limits, std::move(handler)));
  beast::error_code ec;
  auto address = net::ip::make_address(host_port->first, ec);
  if (ec) return absl::InvalidArgumentError(StrCat("bad listen host: ", listen));
  net::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(host_port->second));
  auto acceptor = std::make_unique<net::ip::tcp::acceptor>(*server->contexts_[0]);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(StrCat("cannot listen on ", listen, ": ", ec.message()));
  }
  server->port_ = acceptor->local_endpoint().port();
  server->acceptor_ = std::move(acceptor);
  server->Accept();
  for (auto& context : server->contexts_) {
    server->threads_.emplace_back([ctx = context.get()] { ctx->run(); });
  }
  return server;
}

void HttpServer::Accept() {
  net::io_context& target = *contexts_[next_context_++ % contexts_.size()];
  acceptor_->async_accept(target, [this](beast::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) std::make_shared<HttpSession>(std::move(socket), limits_, handler_, in_flight_)->Run();
    Accept();
  });
}

void HttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  net::post(*contexts_[0], [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
  guards_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
}

bool HttpServer::Drain(absl::Duration deadline) {
  net::post(*contexts_[0], [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
  });
  absl::Time until = absl::Now() + deadline;
  while (in_flight_->load() > 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));  // a shutdown-only poll of an atomic counter
  }
  return in_flight_->load() == 0;
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace llmsrouter::gateway
