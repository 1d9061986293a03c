// The gateway's names for the small HTTP server it is built on (common/http/): the Beast
// aliases and the server's types, so gateway code says HttpSession, not web::HttpSession.
#ifndef LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_
#define LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_

#include "common/http/http_session.h"
#include "common/http/http_types.h"

namespace llmsrouter::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

using web::HttpLimits;
using web::HttpRequest;
using web::HttpResponse;
using web::HttpSession;
using web::RequestHandler;

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_
