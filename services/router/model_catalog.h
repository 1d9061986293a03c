// The aggregated model list (GET /v1/models): every provider queried in parallel with its
// own timeout, cached with a TTL, refreshed single-flight, last good list kept on failure.
#ifndef LLMSROUTER_SERVICES_ROUTER_MODEL_CATALOG_H_
#define LLMSROUTER_SERVICES_ROUTER_MODEL_CATALOG_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/http_client.h"
#include "services/router/router_config.h"

namespace llmsrouter::router {

// True when every whitespace-separated term of `filter` occurs in `id`, ignoring case, where
// `*` in a term matches any run of characters. The text is never compiled as a regex.
bool ModelFilterMatches(std::string_view filter, std::string_view id);

// Model ids out of an upstream /models answer ({"data":[{"id":..}]} or a bare array).
std::vector<std::pair<std::string, int64_t>> ParseModelIds(std::string_view body);

class ModelCatalog {
 public:
  using Done = std::function<void(std::vector<v1::Model>)>;

  // Not owned; must outlive the catalog and every pending List.
  ModelCatalog(HttpClient* http, const Clock* clock) : http_(http), clock_(clock) {}
  // Before the first List().
  void SetHttpClient(HttpClient* http) { http_ = http; }

  // Lists the models of `providers` (every provider when nullopt), in config order. `done`
  // runs once, on this thread when everything is cached, else on the HTTP client's thread.
  void List(std::shared_ptr<const RouterConfig> config,
            const std::optional<std::vector<std::string>>& providers, Done done);

 private:
  struct Entry {
    std::string source;  // url + key the list came from; a change invalidates it
    std::vector<std::pair<std::string, int64_t>> ids;
    bool has_good = false;
    absl::Time fresh_until = absl::InfinitePast();
    bool fetching = false;
    std::vector<std::function<void()>> waiters;
  };
  class Fetch;

  // Calls `ready` once the provider's upstream list is usable (maybe stale or empty).
  void Ensure(const RouterConfig& config, const ProviderConfig& provider,
              std::function<void()> ready);
  void FetchDone(const std::string& alias, const std::string& source, bool ok,
                 std::vector<std::pair<std::string, int64_t>> ids, absl::Duration ttl,
                 absl::Duration retry);
  std::vector<v1::Model> Assemble(const RouterConfig& config,
                                  const std::vector<const ProviderConfig*>& providers);

  HttpClient* http_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_MODEL_CATALOG_H_
