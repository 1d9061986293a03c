// The router's own whole JSON answer to a call (a refusal before any upstream): the head's
// and the body's messages.
#ifndef LLMSROUTER_SERVICES_ROUTER_JSON_ANSWER_H_
#define LLMSROUTER_SERVICES_ROUTER_JSON_ANSWER_H_

#include <string>
#include <vector>

#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router {

// A head (`status`, application/json, the request id) and `body`; the caller adds headers
// to the first message's head.
std::vector<v1::CallResponse> JsonAnswer(int status, std::string body,
                                         const std::string& request_id);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_JSON_ANSWER_H_
