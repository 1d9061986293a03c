#include "services/gateway/gateway.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/affinity_headers.h"
#include "common/anthropic_error.h"
#include "common/http/metrics_server.h"
#include "common/json_limits.h"
#include "common/metrics.h"
#include "common/request_id.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "common/user_limits.h"
#include "services/gateway/proxy_call.h"
#include "services/gateway/responses.h"

namespace llmsrouter::gateway {
namespace {

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    int value = 0;
    if (in[i] == '%' && i + 2 < in.size() && ParseInt(in.substr(i + 1, 2), &value, 16)) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(in[i] == '+' && plus_is_space ? ' ' : in[i]);
    }
  }
  return out;
}

std::string_view Header(const HttpRequest& request, std::string_view name) {
  auto value = request[beast::string_view(name.data(), name.size())];
  return {value.data(), value.size()};
}

// The key: `Authorization: Bearer` (OpenAI SDK, Claude Code's auth token) or `x-api-key`
// (the Anthropic SDK).
std::string ApiKey(const HttpRequest& request) {
  std::string key = BearerToken(Header(request, "Authorization"));
  return key.empty() ? std::string(Trim(Header(request, "x-api-key"))) : key;
}

nlohmann::json ModelsJson(const router::v1::ListModelsResponse& response) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& model : response.models()) {
    data.push_back({{"id", model.id()},
                    {"object", "model"},
                    {"created", model.created()},
                    {"owned_by", model.owned_by()}});
  }
  return data;
}

}  // namespace

std::string QueryParam(std::string_view query, std::string_view name) {
  for (std::string_view pair : Split(query, '&')) {
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (PercentDecode(key, true) == name) return PercentDecode(value, true);
  }
  return "";
}

std::string QueryWithout(std::string_view query, std::string_view name) {
  std::string out;
  for (std::string_view pair : Split(query, '&')) {
    if (pair.empty() || PercentDecode(pair.substr(0, pair.find('=')), true) == name) continue;
    StrAppend(&out, out.empty() ? "" : "&", pair);
  }
  return out;
}

void Gateway::Reply(const ContextPtr& ctx, HttpResponse response) {
  response.set("X-Request-Id", ctx->request_id);
  ctx->session->SendResponse(std::move(response));
}

void Gateway::Refuse(const ContextPtr& ctx, const absl::Status& status) {
  if (traces_ != nullptr) {
    tracer::v1::TraceEvent event;
    event.set_source("gateway");
    event.set_request_id(ctx->request_id);
    event.set_trace_id(ctx->request_id);
    event.set_endpoint(ctx->path.starts_with("/v1/") ? ctx->path.substr(4) : ctx->path);
    event.set_status(HttpStatusFromStatus(status));
    event.set_error(std::string(status.message()));
    if (ctx->auth) event.set_user(ctx->auth->user);
    auto body = ParseUntrustedJson(ctx->request.body());
    if (body.is_object() && body.contains("model") && body["model"].is_string()) {
      event.set_requested_model(body["model"].get<std::string>());
    }
    int64_t now = absl::ToUnixMicros(absl::Now());
    event.mutable_timings()->set_start_unix_us(now);
    event.mutable_timings()->set_end_unix_us(now);
    traces_->Record(std::move(event));
  }
  if (web::IsMessagesPath(ctx->path)) {
    Reply(ctx, JsonResponse(HttpStatusFromStatus(status), AnthropicErrorBody(status)));
    return;
  }
  Reply(ctx, ErrorResponse(status));
}

void Gateway::PostReply(const ContextPtr& ctx, HttpResponse response) {
  net::post(ctx->session->executor(), [this, ctx, response = std::move(response)]() mutable {
    Reply(ctx, std::move(response));
  });
}

void Gateway::Handle(std::shared_ptr<HttpSession> session, HttpRequest request) {
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") {  // liveness: a stuck I/O thread gets the process restarted
    std::string stalled = loops_ != nullptr ? loops_->Stalled() : "";
    session->SendResponse(stalled.empty() ? JsonResponse(200, R"({"status":"ok"})")
                                          : ErrorResponse(absl::UnavailableError(
                                                StrCat("event loop stalled: ", stalled))));
    return;
  }
  if (path == "/readyz") {
    HandleReady(std::move(session));
    return;
  }
  if (path == "/metrics" && options_.metrics_on_api_port) {
    session->SendResponse(web::MetricsResponse());
    return;
  }
  if (options_.cors.enabled() && HandleCors(session, request)) return;
  auto ctx = std::make_shared<Context>();
  ctx->session = std::move(session);
  ctx->path = std::string(path);
  ctx->query = path.size() < target.size() ? std::string(target.substr(path.size() + 1)) : "";
  std::string_view client_id = Header(request, "X-Request-Id");
  ctx->request_id = AcceptableRequestId(client_id) ? std::string(client_id) : NewRequestId();
  ctx->request = std::move(request);
  bool api = ctx->path.starts_with("/v1/") || ctx->path == "/api/user/bypass";
  if (!api || !options_.accounts) {
    Dispatch(std::move(ctx));
    return;
  }
  std::string key = ApiKey(ctx->request);
  auth_->Authenticate(key, ClientAddressOf(*ctx->session, ctx->request),
                      [this, ctx](absl::StatusOr<AuthInfo> info) {
                        net::post(ctx->session->executor(), [this, ctx, info = std::move(info)] {
                          if (!info.ok()) {
                            Refuse(ctx, info.status());
                            return;
                          }
                          ctx->auth = *info;
                          Dispatch(ctx);
                        });
                      });
}

bool Gateway::HandleCors(const std::shared_ptr<HttpSession>& session, const HttpRequest& request) {
  std::string_view origin = Header(request, "Origin");
  if (origin.empty()) return false;
  bool preflight = request.method() == http::verb::options &&
                   !Header(request, "Access-Control-Request-Method").empty();
  if (!options_.cors.Allows(origin)) {
    if (!preflight) return false;  // answered without CORS headers: the browser withholds it
    session->SendResponse(
        ErrorResponse(403, StrCat("origin ", origin, " may not call this gateway (--cors-origins)"),
                      "cors_origin_not_allowed"));
    return true;
  }
  if (preflight) {
    session->SendResponse(options_.cors.Preflight(request, origin));
    return true;
  }
  session->SetAnswerHeaders(CorsPolicy::AnswerHeaders(origin));
  return false;
}

void Gateway::Dispatch(ContextPtr ctx) {
  const std::string& path = ctx->path;
  const http::verb method = ctx->request.method();
  if (path == "/api/user/bypass") {
    HandleBypass(std::move(ctx));
    return;
  }
  if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    if (method != http::verb::get) {
      Reply(ctx, ErrorResponse(405, "use GET for /v1/models", "method_not_allowed"));
      return;
    }
    HandleModels(ctx, path.size() > 11 ? PercentDecode(path.substr(11), false) : "");
    return;
  }
  if (path.starts_with("/v1/") && path.size() > 4) {
    // Anthropic's Messages paths take POST only; OpenAI's resource paths GET, POST, DELETE.
    const bool messages = web::IsMessagesPath(path);
    if (messages ? method != http::verb::post
                 : method != http::verb::post && method != http::verb::get &&
                       method != http::verb::delete_) {
      Reply(ctx, web::ErrorResponseFor(
                     path, 405,
                     StrCat("method ",
                            ToStd(absl::string_view(ctx->request.method_string().data(),
                                                    ctx->request.method_string().size())),
                            " is not allowed on ", path,
                            messages ? "; use POST" : "; use GET, POST or DELETE"),
                     "method_not_allowed"));
      return;
    }
    HandleProxy(ctx, path.substr(4));
    return;
  }
  Reply(ctx, web::ErrorResponseFor(path, 404, StrCat("unknown path ", path), "not_found"));
}

void Gateway::HandleProxy(ContextPtr ctx, std::string endpoint) {
  // A multipart form (an upload) goes to the router as sent, with its content type; the
  // router checks its structure. No body (GET, DELETE, .../cancel) needs no check.
  std::string_view content_type = Header(ctx->request, "Content-Type");
  bool multipart = absl::StartsWithIgnoreCase(
      absl::string_view(content_type.data(), content_type.size()), "multipart/form-data");
  if (multipart || ctx->request.body().empty()) {
    StartProxy(std::move(ctx), std::move(endpoint), multipart ? content_type : "");
    return;
  }
  // Validate here so that malformed JSON never costs a router round trip.
  if (!JsonDepthWithin(ctx->request.body())) {
    Refuse(ctx, NestingTooDeepError());
    return;
  }
  if (!nlohmann::json::accept(ctx->request.body())) {
    Refuse(ctx, absl::InvalidArgumentError(
                    "We could not parse the JSON body of your request. The body must be valid "
                    "JSON."));
    return;
  }
  StartProxy(std::move(ctx), std::move(endpoint), "");
}

void Gateway::StartProxy(ContextPtr ctx, std::string endpoint, std::string_view content_type) {
  router::v1::CallRequest call;
  call.set_request_id(ctx->request_id);
  call.set_method(
      std::string(ctx->request.method_string().data(), ctx->request.method_string().size()));
  call.set_body(std::move(ctx->request.body()));
  if (!ctx->query.empty()) {
    call.set_proxy(QueryParam(ctx->query, "proxy"));
    call.set_query(QueryWithout(ctx->query, "proxy"));
  }
  if (call.proxy().empty()) {
    std::string_view provider = Header(ctx->request, "X-LLMSRouter-Provider");
    if (!provider.empty()) call.set_proxy(std::string(provider));
  }
  if (!content_type.empty()) call.set_content_type(std::string(content_type));
  // Model groups' session-affinity keys; a map entry only when the client sent the header.
  for (std::string_view name : kAffinityHeaders) {
    std::string_view value = Header(ctx->request, name);
    if (!value.empty() && value.size() <= kMaxAffinityKeyBytes) {
      (*call.mutable_affinity_headers())[std::string(name)] = std::string(value);
    }
  }
  if (ctx->auth) {
    call.set_user(ctx->auth->user);
    if (HasLimits(ctx->auth->limits)) *call.mutable_limits() = ctx->auth->limits;
    if (!ctx->auth->all_providers) {
      call.set_restrict_providers(true);
      for (const auto& p : ctx->auth->permissions) call.add_allowed_providers(p);
    }
    if (options_.bypass && (endpoint == "chat/completions" || endpoint == "messages") &&
        !ctx->auth->bypass_model.empty()) {
      call.set_model_override(ctx->auth->bypass_model);
    }
  }
  bool messages = web::IsMessagesPath(ctx->path);
  if (messages) {
    for (const auto& field : ctx->request) {
      std::string name =
          Lower(ToStd(absl::string_view(field.name_string().data(), field.name_string().size())));
      if (name.starts_with("anthropic-")) {
        (*call.mutable_client_headers())[name] =
            std::string(field.value().data(), field.value().size());
      }
    }
  }
  call.set_endpoint(std::move(endpoint));
  if (options_.max_concurrent_calls > 0 &&
      active_calls_->fetch_add(1) >= options_.max_concurrent_calls) {
    active_calls_->fetch_sub(1);
    MetricsRegistry::Global()
        .GetCounter("llmsrouter_gateway_rejected_total", "Calls refused by the concurrency cap.")
        .Inc();
    Refuse(ctx, absl::UnavailableError("the gateway is at its limit of concurrent calls; retry"));
    return;
  }
  if (ctx->session->body_streamed()) {  // an upload: its body follows the head
    if (auto length = ctx->session->body_length()) call.set_body_size(*length);
    ProxyCall::StartUpload(*router_, ctx->session, call, ctx->request_id,
                           options_.max_concurrent_calls > 0 ? active_calls_ : nullptr,
                           options_.overhead_header);
    return;
  }
  ProxyCall::Start(*router_, ctx->session, call, ctx->request_id,
                   options_.max_concurrent_calls > 0 ? active_calls_ : nullptr,
                   options_.overhead_header, messages);
}

router::v1::ListModelsRequest Gateway::ModelsRequestFor(const Context& ctx) const {
  router::v1::ListModelsRequest request;
  if (ctx.auth && !ctx.auth->all_providers) {
    request.set_restrict(true);
    for (const auto& p : ctx.auth->permissions) request.add_providers(p);
  }
  return request;
}

void Gateway::HandleModels(ContextPtr ctx, std::string model_id) {
  router_->ListModels(
      ModelsRequestFor(*ctx),
      [this, ctx, id = std::move(model_id)](absl::StatusOr<router::v1::ListModelsResponse> result) {
        if (!result.ok()) return PostReply(ctx, ErrorResponse(result.status()));
        nlohmann::json data = ModelsJson(*result);
        if (id.empty()) {
          return PostReply(
              ctx, JsonResponse(200, nlohmann::json{{"object", "list"}, {"data", data}}.dump()));
        }
        for (const auto& entry : data) {
          if (entry["id"] == id) return PostReply(ctx, JsonResponse(200, entry.dump()));
        }
        PostReply(ctx, ErrorResponse(WithOpenAiDetails(
                           absl::NotFoundError(StrCat("The model '", id, "' does not exist")),
                           "model", "model_not_found")));
      });
}

void Gateway::HandleBypass(ContextPtr ctx) {
  if (!options_.bypass || !ctx->auth) {
    Reply(ctx, ErrorResponse(404,
                             "User-Bypass is off (needs ENABLE_BYPASS=true and "
                             "ENABLE_ACCOUNT_MANAGEMENT=true)",
                             "not_found"));
    return;
  }
  std::string user = ctx->auth->user;
  auto answer = [this, ctx, user](absl::StatusOr<std::string> model) {
    if (!model.ok()) return PostReply(ctx, ErrorResponse(model.status()));
    nlohmann::json body = {{"user", user}, {"model", model->empty() ? "auto" : *model}};
    PostReply(ctx, JsonResponse(200, body.dump()));
  };
  if (ctx->request.method() == http::verb::get) {
    auth_->GetBypass(BearerToken(Header(ctx->request, "Authorization")), user, answer);
    return;
  }
  if (ctx->request.method() != http::verb::post) {
    Reply(ctx, ErrorResponse(405, "use GET or POST on /api/user/bypass", "method_not_allowed"));
    return;
  }
  auto body = ParseUntrustedJson(ctx->request.body());
  if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) {
    Reply(ctx, ErrorResponse(WithOpenAiDetails(
                   absl::InvalidArgumentError(
                       R"(the body must be {"model": "[alias]model"} or {"model": "auto"})"),
                   "model", "")));
    return;
  }
  std::string model = body["model"].get<std::string>();
  if (model == "auto") {
    auth_->SetBypass(BearerToken(Header(ctx->request, "Authorization")), user, "", answer);
    return;
  }
  SetBypassChecked(std::move(ctx), std::move(model));
}

// Only a model from the user's own model list may become the override.
void Gateway::SetBypassChecked(ContextPtr ctx, std::string model) {
  router_->ListModels(
      ModelsRequestFor(*ctx),
      [this, ctx, model](absl::StatusOr<router::v1::ListModelsResponse> result) {
        if (!result.ok()) return PostReply(ctx, ErrorResponse(result.status()));
        bool listed = false;
        for (const auto& m : result->models()) listed = listed || m.id() == model;
        if (!listed) {
          return PostReply(
              ctx, ErrorResponse(WithOpenAiDetails(
                       absl::InvalidArgumentError(StrCat(
                           "model '", model, "' is not in your model list (GET /v1/models)")),
                       "model", "model_not_found")));
        }
        std::string user = ctx->auth->user;
        std::string key = BearerToken(Header(ctx->request, "Authorization"));
        auth_->SetBypass(key, user, model, [this, ctx, user](absl::StatusOr<std::string> set) {
          if (!set.ok()) return PostReply(ctx, ErrorResponse(set.status()));
          PostReply(ctx, JsonResponse(200, nlohmann::json{{"user", user}, {"model", *set}}.dump()));
        });
      });
}

void Gateway::HandleReady(std::shared_ptr<HttpSession> session) {
  if (draining_) {
    session->SendResponse(ErrorResponse(absl::UnavailableError("draining: shutting down")));
    return;
  }
  if (std::string stalled = loops_ != nullptr ? loops_->Stalled() : ""; !stalled.empty()) {
    session->SendResponse(
        ErrorResponse(absl::UnavailableError(StrCat("event loop stalled: ", stalled))));
    return;
  }
  router_->CheckReady([session](bool ready) {
    net::post(session->executor(), [session, ready] {
      session->SendResponse(ready
                                ? JsonResponse(200, R"({"status":"ready"})")
                                : ErrorResponse(absl::UnavailableError("router is not reachable")));
    });
  });
}

}  // namespace llmsrouter::gateway
