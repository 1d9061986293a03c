// The OpenAI HTTP API: routes each request and turns it into router calls.
#ifndef LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_
#define LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_

#include <memory>
#include <string>

#include "services/gateway/http_session.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class Gateway {
 public:
  // `router` must outlive the gateway.
  explicit Gateway(RouterClient* router) : router_(router) {}

  // The RequestHandler for HttpServer.
  void Handle(std::shared_ptr<HttpSession> session, HttpRequest request);

 private:
  void HandleProxy(std::shared_ptr<HttpSession> session, const HttpRequest& request,
                   std::string endpoint, std::string_view query, std::string request_id);
  void HandleModels(std::shared_ptr<HttpSession> session, std::string_view model_id,
                    std::string request_id);
  void HandleReady(std::shared_ptr<HttpSession> session);

  RouterClient* router_;
};

// Value of `name` in a URL query string, percent-decoded; empty when absent.
std::string QueryParam(std::string_view query, std::string_view name);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_
