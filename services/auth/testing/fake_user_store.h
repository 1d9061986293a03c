// An in-memory UserStore that counts lookups and can be switched "down".
#ifndef LLMSROUTER_SERVICES_AUTH_TESTING_FAKE_USER_STORE_H_
#define LLMSROUTER_SERVICES_AUTH_TESTING_FAKE_USER_STORE_H_

#include <map>

#include "absl/synchronization/mutex.h"
#include "services/auth/user_store.h"

namespace llmsrouter::auth {

class FakeUserStore : public UserStore {
 public:
  absl::StatusOr<KeyOwner> FindByKeyHash(const std::string& key_hash) override {
    absl::MutexLock lock(&mu_);
    ++lookups;
    if (down) return absl::UnavailableError("store down");
    for (const auto& [name, user] : users_) {
      if (user.key_hash == key_hash) return KeyOwner{user, version_};
    }
    return KeyOwner{std::nullopt, version_};
  }
  absl::Status AddUser(const User& user) override {
    absl::MutexLock lock(&mu_);
    if (users_.count(user.name)) return absl::AlreadyExistsError(user.name);
    users_[user.name] = user;
    ++version_;
    return absl::OkStatus();
  }
  absl::StatusOr<User> GetUser(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    if (!users_.count(name)) return absl::NotFoundError(name);
    return users_[name];
  }
  absl::StatusOr<std::vector<User>> ListUsers() override {
    absl::MutexLock lock(&mu_);
    std::vector<User> out;
    for (const auto& [name, user] : users_) out.push_back(user);
    return out;
  }
  absl::StatusOr<User> ModifyUser(const std::string& name, const UserChanges& c,
                                  int64_t now) override {
    absl::MutexLock lock(&mu_);
    if (!users_.count(name)) return absl::NotFoundError(name);
    User& u = users_[name];
    if (c.email) u.email = *c.email;
    if (c.permissions) u.permissions = *c.permissions;
    if (c.enabled) u.enabled = *c.enabled;
    if (c.limits) u.limits = *c.limits;
    u.updated_unix = now;
    ++version_;
    return u;
  }
  absl::Status DeleteUser(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    if (!users_.erase(name)) return absl::NotFoundError(name);
    ++version_;
    return absl::OkStatus();
  }
  absl::StatusOr<User> RotateKey(const std::string& name, const std::string& hash,
                                 const std::string& hint, int64_t now) override {
    absl::MutexLock lock(&mu_);
    if (!users_.count(name)) return absl::NotFoundError(name);
    users_[name].key_hash = hash;
    users_[name].key_hint = hint;
    ++version_;
    return users_[name];
  }
  absl::Status SetBypass(const std::string& name, const std::string& model) override {
    absl::MutexLock lock(&mu_);
    if (!users_.count(name)) return absl::NotFoundError(name);
    users_[name].bypass_model = model;
    ++version_;
    return absl::OkStatus();
  }
  absl::Status AppendAudit(const std::string& line, size_t keep) override {
    absl::MutexLock lock(&mu_);
    if (down) return absl::UnavailableError("store down");
    audit_.insert(audit_.begin(), line);
    if (audit_.size() > keep) audit_.resize(keep);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> RecentAudit(size_t limit) override {
    absl::MutexLock lock(&mu_);
    if (down) return absl::UnavailableError("store down");
    return std::vector<std::string>(audit_.begin(),
                                    audit_.begin() + std::min(limit, audit_.size()));
  }
  absl::StatusOr<int64_t> Version() override {
    absl::MutexLock lock(&mu_);
    if (down) return absl::UnavailableError("store down");
    return version_;
  }

  int lookups = 0;
  bool down = false;

 private:
  absl::Mutex mu_;
  std::map<std::string, User> users_;
  int64_t version_ = 0;
  std::vector<std::string> audit_;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_TESTING_FAKE_USER_STORE_H_
