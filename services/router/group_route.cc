#include "services/router/group_route.h"

#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/resource_id.h"

namespace llmsrouter::router {
namespace {

std::string AffinityKey(const AffinityConfig& affinity, const v1::CallRequest& request,
                        const JsonBody& body) {
  if (!affinity.header.empty()) {
    auto it = request.affinity_headers().find(affinity.header);
    return it == request.affinity_headers().end() ? std::string() : it->second;
  }
  if (affinity.field.empty()) return "";
  auto it = body.find(affinity.field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> AllowedOf(const v1::CallRequest& request) {
  return {request.allowed_providers().begin(), request.allowed_providers().end()};
}

// A call naming the gateway's ids is bound to the provider that made them (PrepareCall).
bool CarriesResourceIds(const v1::CallRequest& request) {
  return Contains(request.endpoint(), kIdMarker) || Contains(request.query(), kIdMarker) ||
         Contains(request.body(), kIdMarker);
}

}  // namespace

absl::StatusOr<std::optional<GroupRoute>> RouteToGroup(GroupBalancer& balancer,
                                                       const RouterConfig& config,
                                                       const v1::CallRequest& request,
                                                       const JsonBody& body) {
  if (!request.proxy().empty() || !request.model_override().empty() || !body.is_object() ||
      CarriesResourceIds(request)) {
    return std::nullopt;
  }
  auto model = body.find("model");
  if (model == body.end() || !model->is_string()) return std::nullopt;
  const GroupConfig* group = config.FindGroup(model->get_ref<const std::string&>());
  if (group == nullptr) return std::nullopt;
  GroupRoute route{group->name, group->ejection, AffinityKey(group->affinity, request, body)};
  std::vector<std::string> allowed;
  if (request.restrict_providers()) allowed = AllowedOf(request);
  route.open = balancer.Pick(*group, request.restrict_providers() ? &allowed : nullptr,
                             route.affinity_key, route.tried);
  if (!route.open) {
    return WithOpenAiDetails(
        absl::PermissionDeniedError(
            StrCat("you are not permitted to use any deployment of model '", group->name, "'")),
        "model", "provider_not_permitted");
  }
  route.tried.push_back(*route.open);
  return route;
}

std::optional<PreparedCall> NextDeployment(GroupBalancer& balancer,
                                           std::shared_ptr<const RouterConfig> config,
                                           const v1::CallRequest& request, GroupRoute* route,
                                           const DeploymentPreparer& prepare) {
  const GroupConfig* group = config->FindGroup(route->group);
  if (group == nullptr) return std::nullopt;
  std::vector<std::string> allowed;
  if (request.restrict_providers()) allowed = AllowedOf(request);
  while (true) {
    route->open = balancer.Pick(*group, request.restrict_providers() ? &allowed : nullptr,
                                route->affinity_key, route->tried);
    if (!route->open) return std::nullopt;
    route->tried.push_back(*route->open);
    auto call = prepare ? prepare(*route->open) : PrepareCall(config, request, &*route->open);
    if (call.ok()) return *std::move(call);
    FinishAttempt(balancer, route, {});  // cannot happen for a validated config: skip it
  }
}

void FinishAttempt(GroupBalancer& balancer, GroupRoute* route, const AttemptResult& result) {
  if (!route->open) return;
  balancer.Finish(route->group, *route->open, route->policy, result);
  route->open.reset();
}

AttemptResult FailureResult(const absl::Status& transport, int http_status,
                            absl::Duration retry_after) {
  AttemptResult result;
  if (http_status == 429 && retry_after > absl::ZeroDuration()) {
    result.kind = AttemptResult::kRateLimited;
    result.retry_after = retry_after;
    result.cause = StrCat("HTTP 429 Retry-After ", absl::FormatDuration(retry_after));
  } else if (http_status >= 500 || http_status == 429) {
    result.kind = AttemptResult::kFailure;
    result.cause = StrCat("HTTP ", http_status);
  } else if (http_status == 0 && (transport.code() == absl::StatusCode::kUnavailable ||
                                  transport.code() == absl::StatusCode::kDeadlineExceeded)) {
    result.kind = AttemptResult::kFailure;
    result.cause = std::string(transport.message());
  }
  return result;  // else (401/403/404, ...) says nothing about the deployment's health
}

AttemptResult FinishedResult(const absl::Status& status, const v1::CallSummary* summary) {
  AttemptResult result;
  if (!status.ok()) {
    if (status.code() != absl::StatusCode::kCancelled) {
      result.kind = AttemptResult::kFailure;
      result.cause = std::string(status.message());
    }
    return result;
  }
  int http_status = summary != nullptr ? summary->upstream_status() : 0;
  if (http_status >= 500 || http_status == 429) return FailureResult(status, http_status, {});
  result.kind = AttemptResult::kSuccess;
  if (summary != nullptr) {
    const auto& t = summary->timings();
    if (t.first_token_unix_us() > 0 && t.start_unix_us() > 0) {
      result.ttft = absl::Microseconds(t.first_token_unix_us() - t.start_unix_us());
    }
  }
  return result;
}

}  // namespace llmsrouter::router
