#include "services/auth/authenticator.h"

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "services/auth/api_key.h"

namespace llmsrouter::auth {

namespace {

absl::Status TooManyFailures() {
  return absl::ResourceExhaustedError(
      "Too many failed authentication attempts from this client; try again later.");
}

}  // namespace

bool User::AllProviders() const {
  for (const auto& p : permissions) {
    if (p == "*") return true;
  }
  return false;
}

Authenticator::Authenticator(UserStore* store, const Clock* clock, AuthenticatorOptions options)
    : store_(store), clock_(clock), options_(options) {}

bool Authenticator::Blocked(const std::string& client) {
  auto it = failures_.find(client);
  if (it == failures_.end()) return false;
  if (clock_->Now() - it->second.window_start > options_.failure_window) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= options_.max_failures;
}

bool Authenticator::LookupAllowed(const std::string& client, bool take) {
  auto it = failures_.find(client);
  if (it == failures_.end()) return true;
  Failures& f = it->second;
  absl::Time now = clock_->Now();
  f.tokens =
      std::min(options_.blocked_lookup_burst, f.tokens + absl::ToDoubleSeconds(now - f.refilled) *
                                                             options_.blocked_lookups_per_second);
  f.refilled = now;
  if (f.tokens < 1) return false;
  if (take) f.tokens -= 1;
  return true;
}

void Authenticator::RecordFailure(const std::string& client) {
  absl::Time now = clock_->Now();
  if (failures_.size() >= options_.max_tracked_clients && !failures_.count(client)) {
    // Forget expired windows first; if none, the oldest window.
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.window_start > options_.failure_window ? failures_.erase(it)
                                                                   : std::next(it);
    }
    if (failures_.size() >= options_.max_tracked_clients) failures_.erase(failures_.begin());
  }
  Failures& f = failures_[client];
  if (f.count == 0 || now - f.window_start > options_.failure_window) f = {0, now};
  if (++f.count == options_.max_failures) {
    f.tokens = options_.blocked_lookup_burst;
    f.refilled = now;
  }
}

absl::Status Authenticator::Failure(const std::string& client, bool blocked, absl::Status why) {
  RecordFailure(client);
  return blocked ? TooManyFailures() : why;
}

absl::StatusOr<AuthInfo> Authenticator::Decide(const std::optional<User>& user,
                                               const std::string& api_key,
                                               const std::string& client, bool blocked) {
  if (!user) {
    return Failure(
        client, blocked,
        absl::UnauthenticatedError(StrCat("Incorrect API key provided: ", KeyHint(api_key), ".")));
  }
  if (!ConstantTimeEquals(user->key_hash, HashApiKey(api_key))) {
    return Failure(client, blocked, absl::UnauthenticatedError("Incorrect API key provided."));
  }
  if (!user->enabled) {
    return absl::UnauthenticatedError(
        StrCat("The API key of user '", user->name, "' is disabled. Ask an administrator."));
  }
  return AuthInfo{user->name, user->permissions, user->AllProviders(), user->bypass_model,
                  user->limits};
}

std::optional<absl::StatusOr<AuthInfo>> Authenticator::TryCached(const std::string& api_key,
                                                                 const std::string& client) {
  absl::MutexLock lock(&mu_);
  if (api_key.empty()) {
    return absl::UnauthenticatedError(
        "You didn't provide an API key. Provide it as 'Authorization: Bearer <key>'.");
  }
  bool blocked = Blocked(client);
  if (!api_key.starts_with(kKeyPrefix)) {
    return Failure(client, blocked, absl::UnauthenticatedError("Incorrect API key provided."));
  }
  auto it = cache_.find(HashApiKey(api_key));
  if (it == cache_.end() || clock_->Now() >= it->second.expires) {
    ++misses_;
    if (blocked && !LookupAllowed(client, /*take=*/false)) return TooManyFailures();
    return std::nullopt;
  }
  ++hits_;
  return Decide(it->second.user, api_key, client, blocked);
}

absl::StatusOr<AuthInfo> Authenticator::Lookup(const std::string& api_key,
                                               const std::string& client) {
  if (auto cached = TryCached(api_key, client)) return *std::move(cached);
  {
    absl::MutexLock lock(&mu_);
    if (Blocked(client) && !LookupAllowed(client, /*take=*/true)) return TooManyFailures();
  }
  std::string hash = HashApiKey(api_key);
  auto owner = store_->FindByKeyHash(hash);
  if (!owner.ok()) return owner.status();
  absl::MutexLock lock(&mu_);
  // A decision read before a change this replica has already seen is answered, not kept.
  if (!version_ || owner->version >= *version_) Remember(hash, *owner);
  return Decide(owner->user, api_key, client, Blocked(client));
}

void Authenticator::Remember(const std::string& hash, const KeyOwner& owner) {
  bool known = owner.user.has_value();
  auto [it, inserted] = cache_.insert_or_assign(
      hash,
      Entry{owner.user, clock_->Now() + (known ? options_.positive_ttl : options_.negative_ttl),
            owner.version});
  if (known) return;
  negative_order_.push_back(hash);
  ++negative_count_;
  while (negative_count_ > options_.negative_cache_size && !negative_order_.empty()) {
    auto old = cache_.find(negative_order_.front());
    negative_order_.pop_front();
    if (old != cache_.end() && !old->second.user) {
      cache_.erase(old);
      --negative_count_;
    }
  }
}

void Authenticator::ObserveVersion(int64_t version) {
  absl::MutexLock lock(&mu_);
  if (version_ == version) return;
  bool went_back = version_ && version < *version_;
  version_ = version;
  DropOlderThan(went_back ? std::nullopt : std::optional<int64_t>(version));
}

void Authenticator::DropCached() {
  absl::MutexLock lock(&mu_);
  DropOlderThan(std::nullopt);
}

void Authenticator::DropOlderThan(std::optional<int64_t> version) {
  if (!version) {
    cache_.clear();
  } else {
    std::erase_if(cache_, [&](const auto& entry) { return entry.second.version < *version; });
  }
  // The negative order keeps only the unknown keys still cached, oldest first.
  std::deque<std::string> order;
  for (std::string& hash : negative_order_) {
    auto it = cache_.find(hash);
    if (it != cache_.end() && !it->second.user) order.push_back(std::move(hash));
  }
  negative_order_ = std::move(order);
  negative_count_ = negative_order_.size();
}

size_t Authenticator::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

size_t Authenticator::misses() const {
  absl::MutexLock lock(&mu_);
  return misses_;
}

}  // namespace llmsrouter::auth
