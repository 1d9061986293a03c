#include "common/strings.h"
#include "services/gateway/gateway.h"

#include <nlohmann/json.hpp>

#include "common/request_id.h"
#include "common/status_map.h"
#include "services/gateway/proxy_call.h"
#include "services/gateway/responses.h"

namespace llmsrouter::gateway {
namespace {

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    int value = 0;
    if (in[i] == '%' && i + 2 < in.size() &&
        ParseInt(in.substr(i + 1, 2), &value, 16)) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(in[i] == '+' && plus_is_space ? ' ' : in[i]);
    }
  }
  return out;
}

void Reply(const std::shared_ptr<HttpSession>& session, HttpResponse response,
           const std::string& request_id) {
  response.set("X-Request-Id", request_id);
  session->SendResponse(std::move(response));
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

void Gateway::Handle(std::shared_ptr<HttpSession> session, HttpRequest request) {
  std::string_view target(request.target().data(), request.target().size());
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  std::string_view client_id(request["X-Request-Id"].data(), request["X-Request-Id"].size());
  std::string request_id =
      AcceptableRequestId(client_id) ? std::string(client_id) : NewRequestId();
  const http::verb method = request.method();

  if (path == "/healthz") {
    Reply(session, JsonResponse(200, R"({"status":"ok"})"), request_id);
    return;
  }
  if (path == "/readyz") {
    HandleReady(std::move(session));
    return;
  }
  if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    if (method != http::verb::get) {
      Reply(session, ErrorResponse(405, "use GET for /v1/models", "method_not_allowed"),
            request_id);
      return;
    }
    std::string id = path.size() > 11 ? PercentDecode(path.substr(11), false) : std::string();
    HandleModels(std::move(session), id, std::move(request_id));
    return;
  }
  if (path.starts_with("/v1/") && path.size() > 4) {
    if (method != http::verb::post) {
      Reply(session,
            ErrorResponse(405, StrCat("method ", std::string(request.method_string()),
                                            " is not allowed on ", path, "; use POST"),
                          "method_not_allowed"),
            request_id);
      return;
    }
    HandleProxy(std::move(session), request, std::string(path.substr(4)), query,
                std::move(request_id));
    return;
  }
  Reply(session, ErrorResponse(404, StrCat("unknown path ", path), "not_found"),
        request_id);
}

void Gateway::HandleProxy(std::shared_ptr<HttpSession> session, const HttpRequest& request,
                          std::string endpoint, std::string_view query, std::string request_id) {
  // Validate here so that malformed JSON never costs a router round trip.
  if (!nlohmann::json::accept(request.body())) {
    Reply(session,
          ErrorResponse(absl::InvalidArgumentError(
              "We could not parse the JSON body of your request. The body must be valid JSON.")),
          request_id);
    return;
  }
  router::v1::CallRequest call;
  call.set_request_id(request_id);
  call.set_method("POST");
  call.set_endpoint(std::move(endpoint));
  call.set_body(request.body());
  call.set_proxy(QueryParam(query, "proxy"));
  ProxyCall::Start(*router_, std::move(session), call, std::move(request_id));
}

void Gateway::HandleModels(std::shared_ptr<HttpSession> session, std::string_view model_id,
                           std::string request_id) {
  router::v1::ListModelsRequest request;
  request.set_all_providers(true);
  router_->ListModels(request, [session, id = std::string(model_id),
                                request_id](absl::StatusOr<router::v1::ListModelsResponse> result) {
    HttpResponse response;
    if (!result.ok()) {
      response = ErrorResponse(result.status());
    } else {
      nlohmann::json data = nlohmann::json::array();
      nlohmann::json found;
      for (const auto& model : result->models()) {
        nlohmann::json entry = {{"id", model.id()},
                                {"object", "model"},
                                {"created", model.created()},
                                {"owned_by", model.owned_by()}};
        if (model.id() == id) found = entry;
        data.push_back(std::move(entry));
      }
      if (id.empty()) {
        response = JsonResponse(200, nlohmann::json{{"object", "list"}, {"data", data}}.dump());
      } else if (!found.is_null()) {
        response = JsonResponse(200, found.dump());
      } else {
        response = ErrorResponse(WithOpenAiDetails(
            absl::NotFoundError(StrCat("The model '", id, "' does not exist")), "model",
            "model_not_found"));
      }
    }
    net::post(session->executor(), [session, request_id, response = std::move(response)]() mutable {
      Reply(session, std::move(response), request_id);
    });
  });
}

void Gateway::HandleReady(std::shared_ptr<HttpSession> session) {
  router_->CheckReady([session](bool ready) {
    net::post(session->executor(), [session, ready] {
      session->SendResponse(
          ready ? JsonResponse(200, R"({"status":"ready"})")
                : ErrorResponse(absl::UnavailableError("router is not reachable")));
    });
  });
}

}  // namespace llmsrouter::gateway
