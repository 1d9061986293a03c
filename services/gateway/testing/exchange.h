// One request and its answer over a fresh loopback connection, for the gateway's tests.
#ifndef LLMSROUTER_SERVICES_GATEWAY_TESTING_EXCHANGE_H_
#define LLMSROUTER_SERVICES_GATEWAY_TESTING_EXCHANGE_H_

#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

inline http::response<http::string_body> Exchange(int port,
                                                  http::request<http::string_body> request) {
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  request.set(http::field::host, "test");
  request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response;
}

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_TESTING_EXCHANGE_H_
