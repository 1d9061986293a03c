#include "services/router/model_catalog.h"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>

#include "absl/strings/cord.h"
#include "common/json_limits.h"
#include "common/log.h"
#include "common/strings.h"
#include "services/router/anthropic/anthropic_call.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {
bool ModelFilterMatches(std::string_view filter, std::string_view id) {
  std::string lower_id = Lower(id);
  for (std::string_view term : Split(filter, ' ')) {
    term = Trim(term);
    if (term.empty()) continue;
    if (!GlobMatch(StrCat("*", Lower(term), "*"), lower_id)) return false;
  }
  return true;
}

std::vector<std::pair<std::string, int64_t>> ParseModelIds(std::string_view body) {
  std::vector<std::pair<std::string, int64_t>> ids;
  auto doc = ParseUntrustedJson(body);
  const nlohmann::json* list = &doc;
  if (doc.is_object() && doc.contains("data")) list = &doc["data"];
  if (!list->is_array()) return ids;
  for (const auto& item : *list) {
    if (item.is_string()) {
      ids.emplace_back(item.get<std::string>(), 0);
    } else if (item.is_object() && item.contains("id") && item["id"].is_string()) {
      int64_t created = item.contains("created") && item["created"].is_number_integer()
                            ? item["created"].get<int64_t>()
                            : 0;
      ids.emplace_back(item["id"].get<std::string>(), created);
    }
  }
  return ids;
}

// One upstream GET <url>/models; deletes itself when done.
class ModelCatalog::Fetch : public HttpResponseHandler {
 public:
  Fetch(ModelCatalog* catalog, std::string alias, std::string source, const ModelsConfig& models)
      : catalog_(catalog),
        alias_(std::move(alias)),
        source_(std::move(source)),
        ttl_(models.cache_ttl),
        retry_(models.retry_after_failure) {}
  void OnHeaders(int status, HeaderList) override { status_ = status; }
  bool OnData(std::string_view bytes) override {
    if (body_.size() < (16 << 20)) body_.append(bytes);
    return true;
  }
  void OnComplete(absl::Status status) override {
    bool ok = status.ok() && status_ >= 200 && status_ < 300;
    auto ids = ok ? ParseModelIds(body_) : std::vector<std::pair<std::string, int64_t>>{};
    if (ok && ids.empty() && !Contains(body_, "[]")) ok = false;  // unparseable answer
    if (!ok) {
      Log(LogLevel::kWarning, "router", "model list refresh failed; serving the last good list",
          {{"provider", alias_},
           {"error", status.ok() ? StrCat("HTTP ", status_) : std::string(status.message())},
           {"detail", std::string(status.GetPayload(kHttpErrorDetail).value_or(absl::Cord()))}});
    }
    catalog_->FetchDone(alias_, source_, ok, std::move(ids), ttl_, retry_);
    delete this;
  }

 private:
  ModelCatalog* catalog_;
  std::string alias_;
  std::string source_;
  absl::Duration ttl_;
  absl::Duration retry_;
  int status_ = 0;
  std::string body_;
};

void ModelCatalog::Ensure(const RouterConfig& config, const ProviderConfig& provider,
                          std::function<void()> ready) {
  std::string source = StrCat(provider.url, "\n", provider.api_key);
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[provider.alias];
    if (entry.source != source) entry = Entry{.source = source};
    if (clock_->Now() < entry.fresh_until && !entry.fetching) {
      // fall through to ready() outside the lock
    } else {
      entry.waiters.push_back(std::move(ready));
      if (entry.fetching) return;
      entry.fetching = true;
      ready = nullptr;
    }
  }
  if (ready) {
    ready();
    return;
  }
  HttpRequest request;
  request.method = "GET";
  // Anthropic pages its list (20 by default, 1000 at most per page).
  request.url = UpstreamUrl(
      provider, provider.type == ProviderType::kAnthropic ? "models?limit=1000" : "models");
  if (provider.type == ProviderType::kAnthropic) {
    anthropic::AddAnthropicHeaders(provider, {}, &request.headers);
  } else if (!provider.api_key.empty()) {
    request.headers.emplace_back("Authorization", StrCat("Bearer ", provider.api_key));
  }
  for (const auto& header : provider.headers) request.headers.push_back(header);
  request.connect_timeout = std::min(provider.timeouts.connect, config.models.timeout);
  request.first_byte_timeout = request.idle_timeout = request.total_timeout = config.models.timeout;
  // The fetch is never cancelled: its timeouts (or the client's shutdown) end it. The handle
  // goes at once: the fetch may have completed, and deleted itself, before Start() returns.
  http_->Start(std::move(request), new Fetch(this, provider.alias, source, config.models));
}

void ModelCatalog::FetchDone(const std::string& alias, const std::string& source, bool ok,
                             std::vector<std::pair<std::string, int64_t>> ids, absl::Duration ttl,
                             absl::Duration retry) {
  std::vector<std::function<void()>> waiters;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = entries_[alias];
    if (entry.source == source) {
      if (ok) {
        entry.ids = std::move(ids);
        entry.has_good = true;
      }
      entry.fresh_until = clock_->Now() + (ok ? ttl : retry);
    }
    entry.fetching = false;
    waiters.swap(entry.waiters);
  }
  for (auto& waiter : waiters) waiter();
}

std::vector<v1::Model> ModelCatalog::Assemble(const RouterConfig& config,
                                              const std::vector<const ProviderConfig*>& providers) {
  std::vector<v1::Model> models;
  int64_t now = absl::ToUnixSeconds(clock_->Now());
  auto add = [&](const ProviderConfig& p, const std::string& id, int64_t created) {
    v1::Model model;
    model.set_id(StrCat("[", p.alias, "]", id));
    model.set_owned_by(p.alias);
    model.set_created(created > 0 ? created : now);
    models.push_back(std::move(model));
  };
  absl::MutexLock lock(&mu_);
  for (const ProviderConfig* p : providers) {
    if (!p->override_models.empty()) {
      for (const auto& id : p->override_models) add(*p, id, 0);
      continue;
    }
    size_t first = models.size();
    if (auto it = entries_.find(p->alias); it != entries_.end()) {
      for (const auto& [id, created] : it->second.ids) {
        if (ModelFilterMatches(p->filter, id)) add(*p, id, created);
      }
    }
    for (const auto& id : p->append) {
      std::string full = StrCat("[", p->alias, "]", id);
      bool listed = std::any_of(models.begin() + first, models.end(),
                                [&](const v1::Model& m) { return m.id() == full; });
      if (!listed) add(*p, id, 0);
    }
  }
  // Groups by their plain name, when the caller may use one of their deployments.
  for (const auto& [name, group] : config.groups) {
    bool reachable = std::any_of(
        group.deployments.begin(), group.deployments.end(), [&](const GroupDeployment& d) {
          return std::any_of(providers.begin(), providers.end(),
                             [&](const ProviderConfig* p) { return p->alias == d.alias; });
        });
    if (!reachable) continue;
    v1::Model model;
    model.set_id(name);
    model.set_owned_by("group");
    model.set_created(now);
    models.push_back(std::move(model));
  }
  return models;
}

void ModelCatalog::List(std::shared_ptr<const RouterConfig> config,
                        const std::optional<std::vector<std::string>>& providers, Done done) {
  std::vector<const ProviderConfig*> selected;
  for (const auto& [alias, provider] : config->providers) {
    bool wanted = !providers.has_value();
    for (const auto& p : providers.value_or(std::vector<std::string>{})) {
      wanted = wanted || p == alias || p == "*";
    }
    if (wanted) selected.push_back(&provider);
  }
  struct Pending {
    std::atomic<size_t> remaining;
    std::shared_ptr<const RouterConfig> config;
    std::vector<const ProviderConfig*> selected;
    Done done;
  };
  auto pending = std::make_shared<Pending>();
  pending->remaining = selected.size() + 1;  // +1: released after every Ensure was issued
  pending->config = config;
  pending->selected = selected;
  pending->done = std::move(done);
  auto one_ready = [this, pending] {
    if (pending->remaining.fetch_sub(1) == 1) {
      pending->done(Assemble(*pending->config, pending->selected));
    }
  };
  for (const ProviderConfig* p : selected) {
    if (p->override_models.empty()) {
      Ensure(*config, *p, one_ready);
    } else {
      one_ready();  // no network call
    }
  }
  one_ready();
}

}  // namespace llmsrouter::router
