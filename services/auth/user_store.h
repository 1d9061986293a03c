// Where users, key hashes and bypass overrides live. An interface so that the auth logic is
// tested with an in-memory fake; RedisUserStore is the real one.
#ifndef LLMSROUTER_SERVICES_AUTH_USER_STORE_H_
#define LLMSROUTER_SERVICES_AUTH_USER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter::auth {

struct User {
  std::string name;
  std::string email;
  std::vector<std::string> permissions;  // aliases, or {"*"}; empty means none
  bool enabled = true;
  int64_t created_unix = 0;
  int64_t updated_unix = 0;
  std::string key_hash;
  std::string key_hint;
  std::string bypass_model;  // empty: none
  v1::Limits limits;         // all zero: none (docs/LIMITS.md)

  bool AllProviders() const;
};

struct UserChanges {
  std::optional<std::string> email;
  std::optional<std::vector<std::string>> permissions;
  std::optional<bool> enabled;
  std::optional<v1::Limits> limits;
};

// What FindByKeyHash read, in one atomic step: the key's owner and the store's version.
struct KeyOwner {
  std::optional<User> user;  // nullopt when no user owns the key
  int64_t version = 0;       // Version() as of this read
};

// Blocking calls; thread-safe. UNAVAILABLE when the store cannot be reached (after a bounded
// wait — nothing hangs), NOT_FOUND / ALREADY_EXISTS as named.
class UserStore {
 public:
  virtual ~UserStore() = default;
  // The user owning `key_hash` (or none), with the version the answer is current for.
  virtual absl::StatusOr<KeyOwner> FindByKeyHash(const std::string& key_hash) = 0;
  virtual absl::Status AddUser(const User& user) = 0;
  virtual absl::StatusOr<User> GetUser(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<User>> ListUsers() = 0;
  virtual absl::StatusOr<User> ModifyUser(const std::string& name, const UserChanges& changes,
                                          int64_t now_unix) = 0;
  virtual absl::Status DeleteUser(const std::string& name) = 0;
  // Replaces the user's key atomically: the old one stops working at once.
  virtual absl::StatusOr<User> RotateKey(const std::string& name, const std::string& key_hash,
                                         const std::string& key_hint, int64_t now_unix) = 0;
  virtual absl::Status SetBypass(const std::string& name, const std::string& model) = 0;
  // Prepends one audit line to the capped audit list, keeping the newest `keep`.
  virtual absl::Status AppendAudit(const std::string& line, size_t keep) = 0;
  // The newest `limit` audit lines, newest first.
  virtual absl::StatusOr<std::vector<std::string>> RecentAudit(size_t limit) = 0;
  // Bumped by every change above; caches compare it to know when to drop decisions.
  virtual absl::StatusOr<int64_t> Version() = 0;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_USER_STORE_H_
