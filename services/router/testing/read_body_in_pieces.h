// For loopback upstreams in tests: reads a request's body as it arrives, in 64 KiB pieces,
// never holding it whole.
#ifndef LLMSROUTER_SERVICES_ROUTER_TESTING_READ_BODY_IN_PIECES_H_
#define LLMSROUTER_SERVICES_ROUTER_TESTING_READ_BODY_IN_PIECES_H_

#include <functional>
#include <string>
#include <string_view>

#include "common/http/http_types.h"

namespace llmsrouter::router::testing {

// After http::read_header on `parser`: reads the body to its end (or an error, returned),
// handing each piece to `on_bytes`.
inline web::beast::error_code ReadBodyInPieces(
    web::net::ip::tcp::socket& socket, web::beast::flat_buffer& buffer,
    web::http::request_parser<web::http::buffer_body>& parser,
    const std::function<void(std::string_view)>& on_bytes) {
  web::beast::error_code ec;
  std::string chunk(1 << 16, '\0');
  while (!ec && !parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    web::http::read_some(socket, buffer, parser, ec);
    if (ec == web::http::error::need_buffer) ec = {};
    on_bytes(std::string_view(chunk.data(), chunk.size() - parser.get().body().size));
  }
  return ec;
}

}  // namespace llmsrouter::router::testing

#endif  // LLMSROUTER_SERVICES_ROUTER_TESTING_READ_BODY_IN_PIECES_H_
