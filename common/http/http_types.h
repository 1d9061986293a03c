// Beast types of the small HTTP server (common/http/): the gateway's edge and the services'
// metrics listeners.
#ifndef LLMSROUTER_COMMON_HTTP_HTTP_TYPES_H_
#define LLMSROUTER_COMMON_HTTP_HTTP_TYPES_H_

// clang-format off
#include <utility>  // first: Boost 1.74 Asio under GCC 12 needs it (std::exchange)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

namespace llmsrouter::web {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_HTTP_TYPES_H_
