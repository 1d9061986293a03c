// The OpenAI HTTP API: authenticates, routes each request and turns it into router calls.
#ifndef LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_
#define LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "common/auth_client.h"
#include "common/loop_pool.h"
#include "common/trace_sink.h"
#include "services/gateway/client_address.h"
#include "services/gateway/cors.h"
#include "services/gateway/http_types.h"
#include "services/gateway/router_client.h"
#include "services/gateway/upload_limits.h"

namespace llmsrouter::gateway {

struct GatewayOptions {
  // ENABLE_ACCOUNT_MANAGEMENT: every /v1/* request needs a key (needs an AuthClient).
  bool accounts = false;
  // ENABLE_BYPASS: /api/user/bypass (needs accounts).
  bool bypass = false;
  // Calls in flight beyond this get 503 (0: no cap).
  int max_concurrent_calls = 20000;
  // Add X-LLMSRouter-Overhead-Ms to non-streamed answers.
  bool overhead_header = false;
  // Serve GET /metrics on the API port (off when metrics have a port of their own).
  bool metrics_on_api_port = true;
  // Peers whose X-Forwarded-For / Forwarded name the client (for the failed-auth limiter).
  TrustedProxies trusted_proxies;
  // Multipart POSTs whose bodies are streamed to the router (never held whole), and their
  // limits (--max-upload-bytes, --upload-limits).
  UploadLimits uploads;
  // Web pages on these origins may call (--cors-origins); default: none.
  CorsPolicy cors;
};

class Gateway {
 public:
  // `router` and `auth` (null when accounts are off) must outlive the gateway.
  // `traces` (may be null) records calls refused before they reach the router.
  Gateway(RouterClient* router, AuthClient* auth, GatewayOptions options,
          TraceSink* traces = nullptr)
      : router_(router), auth_(auth), options_(options), traces_(traces) {}
  explicit Gateway(RouterClient* router) : Gateway(router, nullptr, {}) {}

  // From now on /readyz answers 503 (load balancers stop sending new work).
  void StartDraining() { draining_ = true; }
  // The I/O threads serving the gateway: /healthz and /readyz answer 503 while one of them
  // is stalled. Before serving; not owned.
  void SetLoops(LoopPool* loops) { loops_ = loops; }

  // HttpLimits::streamed_body_limit for the gateway's server: an upload's limit, else 0.
  uint64_t UploadLimitFor(const http::request_header<>& header) const {
    return options_.uploads.For(header);
  }
  // HttpLimits for the gateway's server: `limits` with streamed uploads.
  HttpLimits WithUploads(HttpLimits limits) const {
    limits.streamed_body_limit = [this](const http::request_header<>& header) {
      return UploadLimitFor(header);
    };
    return limits;
  }

  // The RequestHandler for HttpServer.
  void Handle(std::shared_ptr<HttpSession> session, HttpRequest request);

 private:
  struct Context {
    std::shared_ptr<HttpSession> session;
    HttpRequest request;
    std::string request_id;
    std::string path;
    std::string query;
    std::optional<AuthInfo> auth;  // set when accounts are on
  };
  using ContextPtr = std::shared_ptr<Context>;

  void Dispatch(ContextPtr ctx);
  void HandleProxy(ContextPtr ctx, std::string endpoint);
  // Sends the call to the router; `content_type` is set for a multipart body only.
  void StartProxy(ContextPtr ctx, std::string endpoint, std::string_view content_type);
  void HandleModels(ContextPtr ctx, std::string model_id);
  void HandleBypass(ContextPtr ctx);
  void SetBypassChecked(ContextPtr ctx, std::string model);
  void HandleReady(std::shared_ptr<HttpSession> session);
  // A request from another origin: answers a preflight (true), or marks the answer with the
  // CORS headers when the origin is allowed (false: handle the request as usual).
  bool HandleCors(const std::shared_ptr<HttpSession>& session, const HttpRequest& request);
  void Reply(const ContextPtr& ctx, HttpResponse response);
  // Answers an API call refused at the edge with an OpenAI error, and traces it.
  void Refuse(const ContextPtr& ctx, const absl::Status& status);
  // Posts Reply onto the session's executor (for callbacks on other threads).
  void PostReply(const ContextPtr& ctx, HttpResponse response);
  router::v1::ListModelsRequest ModelsRequestFor(const Context& ctx) const;
  // The client's address for the failed-auth limiter (the peer, or per --trusted-proxies).
  std::string ClientAddressOf(const HttpSession& session, const HttpRequest& request) const {
    return ClientAddress(options_.trusted_proxies, session.remote_address(), request);
  }

  RouterClient* router_;
  AuthClient* auth_;
  GatewayOptions options_;
  TraceSink* traces_;
  LoopPool* loops_ = nullptr;
  std::atomic<bool> draining_{false};
  std::shared_ptr<std::atomic<int>> active_calls_ = std::make_shared<std::atomic<int>>(0);
};

// Value of `name` in a URL query string, percent-decoded; empty when absent.
std::string QueryParam(std::string_view query, std::string_view name);
// The query string without the parameter `name` (as sent otherwise).
std::string QueryWithout(std::string_view query, std::string_view name);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_GATEWAY_H_
