// The gateway's names for the small HTTP server it is built on (common/http/): the Beast
// aliases and the server's types, so gateway code says HttpSession, not web::HttpSession.
#ifndef LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_
#define LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_

#include "common/http/http_session.h"
#include "common/http/http_types.h"

namespace llmsrouter::gateway {

namespace net = web::net;
namespace beast = web::beast;
namespace http = web::http;
using web::HttpLimits, web::HttpRequest, web::HttpResponse, web::HttpSession, web::RequestHandler;

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_HTTP_TYPES_H_
