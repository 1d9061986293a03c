#include "services/router/upload_group.h"

#include <string>

#include "services/router/multipart.h"

namespace llmsrouter::router {

absl::StatusOr<std::optional<GroupRoute>> RouteUploadToGroup(GroupBalancer& balancer,
                                                             const RouterConfig& config,
                                                             const v1::CallRequest& request) {
  if (config.groups.empty()) return std::nullopt;
  auto boundary = MultipartBoundary(request.content_type());
  if (!boundary.ok()) return std::nullopt;  // PrepareUploadCall names the problem
  auto field = FindMultipartFieldInPrefix(request.body(), *boundary, "model");
  if (!field.ok() || field->kind != PrefixField::kFound) return std::nullopt;
  std::string model = request.body().substr(field->begin, field->end - field->begin);
  if (config.FindGroup(model) == nullptr) return std::nullopt;
  // The group's pick reads only `model` (and an affinity field, absent from a form).
  return RouteToGroup(balancer, config, request, JsonBody{{"model", std::move(model)}});
}

}  // namespace llmsrouter::router
