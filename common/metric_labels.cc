#include "common/metric_labels.h"

#include <array>

#include "common/strings.h"

namespace llmsrouter {
namespace {

// Every endpoint of the OpenAI API (and the common OpenAI-compatible extensions) that a
// client may POST to under /v1/. Keep sorted by family; one place for the whole list.
constexpr std::array<std::string_view, 25> kRoutes = {
    "chat/completions",
    "completions",
    "embeddings",
    "moderations",
    "responses",
    "audio/speech",
    "audio/transcriptions",
    "audio/translations",
    "images/generations",
    "images/edits",
    "images/variations",
    "files",
    "uploads",
    "batches",
    "fine_tuning/jobs",
    "assistants",
    "threads",
    "threads/runs",
    "vector_stores",
    "realtime/sessions",
    "conversations",
    "models",
    "rerank",
    "score",
    "classify",
};

// Resources whose paths go on with an id or an action: "<resource>/<id>[/...]".
constexpr std::array<std::string_view, 11> kResourcesWithIds = {
    "responses/*",     "files/*",   "uploads/*",       "batches/*", "fine_tuning/jobs/*",
    "assistants/*",    "threads/*", "vector_stores/*", "models/*",  "chat/completions/*",
    "conversations/*",
};

}  // namespace

std::string_view RouteLabel(std::string_view endpoint) {
  for (std::string_view route : kRoutes) {
    if (endpoint == route) return route;
  }
  for (std::string_view resource : kResourcesWithIds) {
    std::string_view prefix = resource.substr(0, resource.size() - 1);  // keeps the '/'
    if (endpoint.size() > prefix.size() && endpoint.starts_with(prefix)) return resource;
  }
  return kOtherRoute;
}

std::string_view ProviderLabel(std::string_view provider) {
  if (provider.empty()) return "none";
  if (Contains(provider, "://") || Contains(provider, "@")) return kAdhocProvider;
  return provider;
}

}  // namespace llmsrouter
