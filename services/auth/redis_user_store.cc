#include "services/auth/redis_user_store.h"

#include <hiredis/hiredis.h>

#include <map>

#include "common/strings.h"
#include "common/user_limits.h"

namespace llmsrouter::auth {
namespace {

// {version, the owner's hash (absent when no user owns the key)}.
constexpr char kFindScript[] = R"(
local version = redis.call('GET', KEYS[2]) or '0'
local name = redis.call('GET', KEYS[1])
if not name then return {version} end
return {version, redis.call('HGETALL', ARGV[1] .. 'user:' .. name)})";

constexpr char kAddScript[] = R"(
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS') end
redis.call('HSET', KEYS[1], 'name', ARGV[1], 'email', ARGV[2], 'permissions', ARGV[3],
           'enabled', ARGV[4], 'created', ARGV[5], 'updated', ARGV[6], 'key_hash', ARGV[7],
           'key_hint', ARGV[8], 'bypass', '')
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return redis.call('INCR', KEYS[4]))";

constexpr char kModifyScript[] = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND') end
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return redis.call('INCR', KEYS[2]))";

constexpr char kRotateScript[] = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND') end
local old = redis.call('HGET', KEYS[1], 'key_hash')
if old then redis.call('DEL', ARGV[5] .. 'key:' .. old) end
redis.call('HSET', KEYS[1], 'key_hash', ARGV[2], 'key_hint', ARGV[3], 'updated', ARGV[4])
redis.call('SET', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[3]))";

constexpr char kDeleteScript[] = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND') end
local old = redis.call('HGET', KEYS[1], 'key_hash')
if old then redis.call('DEL', ARGV[2] .. 'key:' .. old) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return redis.call('INCR', KEYS[3]))";

// The newest entry first; the list never grows past ARGV[2].
constexpr char kAuditScript[] = R"(
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 1)";

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  for (std::string_view part : Split(s, ',')) {
    part = Trim(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

User UserFromHash(const redisReply* reply) {
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    fields[std::string(reply->element[i]->str, reply->element[i]->len)] =
        std::string(reply->element[i + 1]->str, reply->element[i + 1]->len);
  }
  User user;
  user.name = fields["name"];
  user.email = fields["email"];
  user.permissions = SplitList(fields["permissions"]);
  user.enabled = fields["enabled"] != "0";
  ParseInt(fields["created"], &user.created_unix);
  ParseInt(fields["updated"], &user.updated_unix);
  user.key_hash = fields["key_hash"];
  user.key_hint = fields["key_hint"];
  user.bypass_model = fields["bypass"];
  user.limits = DecodeLimits(fields["limits"]);
  return user;
}

absl::Status ScriptError(const redisReply* reply, const std::string& name) {
  std::string_view error(reply->str, reply->len);
  if (Contains(error, "NOTFOUND")) return absl::NotFoundError(StrCat("no user named '", name, "'"));
  if (Contains(error, "EXISTS")) {
    return absl::AlreadyExistsError(StrCat("a user named '", name, "' already exists"));
  }
  return absl::InternalError(StrCat("redis: ", error));
}

}  // namespace

RedisUserStore::RedisUserStore(Options options)
    : options_(std::move(options)),
      connector_({options_.address, options_.connect_timeout, options_.command_timeout}) {}

RedisUserStore::~RedisUserStore() {
  absl::MutexLock lock(&mu_);
  for (redisContext* context : idle_) redisFree(context);
}

absl::StatusOr<RedisUserStore::Pooled> RedisUserStore::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      redisContext* context = idle_.back();
      idle_.pop_back();
      return Pooled{context, generation_};
    }
    if (std::chrono::steady_clock::now() < next_connect_) return Unreachable();
  }
  auto context = connector_.Connect();
  absl::MutexLock lock(&mu_);
  if (!context.ok()) {
    next_connect_ =
        std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(options_.reconnect_backoff);
    last_connect_error_ = std::string(context.status().message());
    return Unreachable();
  }
  return Pooled{context->release(), generation_};
}

absl::Status RedisUserStore::Unreachable() const {
  // The same words whether this call tried to connect or waits out the backoff.
  return absl::UnavailableError(StrCat("the user store (Redis, ", connector_.Describe(),
                                       ") is unreachable: ", last_connect_error_));
}

void RedisUserStore::Release(Pooled pooled, bool healthy) {
  std::vector<redisContext*> stale;
  {
    absl::MutexLock lock(&mu_);
    if (healthy && !pooled.context->err && pooled.generation == generation_) {
      idle_.push_back(pooled.context);
      return;
    }
    stale.push_back(pooled.context);
    if (!healthy) {
      // The server went away or lost its master role: the other idle connections lead to
      // it as well. The next call connects afresh (asking the sentinels again).
      stale.insert(stale.end(), idle_.begin(), idle_.end());
      idle_.clear();
      ++generation_;
    }
  }
  for (redisContext* context : stale) redisFree(context);
}

absl::StatusOr<RedisUserStore::Reply> RedisUserStore::Command(
    const std::vector<std::string>& args) {
  // A failover reply (READONLY, ...) means the command did not run: once more on the master.
  for (int attempt = 0;; ++attempt) {
    auto pooled = Acquire();
    if (!pooled.ok()) return pooled.status();
    RedisReplyPtr reply = RedisCommand(pooled->context, args);
    if (!reply) {
      std::string why = pooled->context->errstr;
      Release(*pooled, false);
      return absl::UnavailableError(StrCat("the user store (Redis) failed: ", why));
    }
    if (RedisConnector::IsFailoverReply(reply.get())) {
      Release(*pooled, false);
      if (attempt == 0) continue;
      return absl::UnavailableError(StrCat("the user store (Redis) is failing over: ",
                                           std::string_view(reply->str, reply->len)));
    }
    Release(*pooled, true);
    return reply;
  }
}

absl::StatusOr<KeyOwner> RedisUserStore::FindByKeyHash(const std::string& key_hash) {
  auto reply = Command(
      {"EVAL", kFindScript, "2", KeyKey(key_hash), options_.prefix + "version", options_.prefix});
  if (!reply.ok()) return reply.status();
  const redisReply* r = reply->get();
  if (r->type == REDIS_REPLY_ERROR) return ScriptError(r, "");
  KeyOwner owner;
  if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 ||
      r->element[0]->type != REDIS_REPLY_STRING ||
      !ParseInt(std::string_view(r->element[0]->str, r->element[0]->len), &owner.version) ||
      (r->elements > 1 && r->element[1]->type != REDIS_REPLY_ARRAY)) {
    return absl::InternalError("redis: unexpected answer to a key lookup");
  }
  // An empty hash: a key left behind by a race.
  if (r->elements > 1 && r->element[1]->elements > 0) owner.user = UserFromHash(r->element[1]);
  return owner;
}

absl::Status RedisUserStore::AddUser(const User& user) {
  auto reply = Command({"EVAL", kAddScript, "4", UserKey(user.name), KeyKey(user.key_hash),
                        options_.prefix + "users", options_.prefix + "version", user.name,
                        user.email, Join(user.permissions, ","), user.enabled ? "1" : "0",
                        std::to_string(user.created_unix), std::to_string(user.updated_unix),
                        user.key_hash, user.key_hint});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return ScriptError(reply->get(), user.name);
  return absl::OkStatus();
}

absl::StatusOr<User> RedisUserStore::GetUser(const std::string& name) {
  auto reply = Command({"HGETALL", UserKey(name)});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements == 0) {
    return absl::NotFoundError(StrCat("no user named '", name, "'"));
  }
  return UserFromHash(reply->get());
}

absl::StatusOr<std::vector<User>> RedisUserStore::ListUsers() {
  auto names = Command({"SMEMBERS", options_.prefix + "users"});
  if (!names.ok()) return names.status();
  std::vector<User> users;
  for (size_t i = 0; i < (*names)->elements; ++i) {
    auto user = GetUser(std::string((*names)->element[i]->str, (*names)->element[i]->len));
    if (user.ok()) {
      users.push_back(*std::move(user));
    } else if (user.status().code() != absl::StatusCode::kNotFound) {
      return user.status();
    }
  }
  std::sort(users.begin(), users.end(),
            [](const User& a, const User& b) { return a.name < b.name; });
  return users;
}

absl::StatusOr<User> RedisUserStore::ModifyUser(const std::string& name, const UserChanges& changes,
                                                int64_t now_unix) {
  std::vector<std::string> args = {
      "EVAL",    kModifyScript,           "2", UserKey(name), options_.prefix + "version",
      "updated", std::to_string(now_unix)};
  if (changes.email) args.insert(args.end(), {"email", *changes.email});
  if (changes.permissions)
    args.insert(args.end(), {"permissions", Join(*changes.permissions, ",")});
  if (changes.enabled) args.insert(args.end(), {"enabled", *changes.enabled ? "1" : "0"});
  if (changes.limits) args.insert(args.end(), {"limits", EncodeLimits(*changes.limits)});
  auto reply = Command(args);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return ScriptError(reply->get(), name);
  return GetUser(name);
}

absl::Status RedisUserStore::DeleteUser(const std::string& name) {
  auto reply = Command({"EVAL", kDeleteScript, "3", UserKey(name), options_.prefix + "users",
                        options_.prefix + "version", name, options_.prefix});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return ScriptError(reply->get(), name);
  return absl::OkStatus();
}

absl::StatusOr<User> RedisUserStore::RotateKey(const std::string& name, const std::string& key_hash,
                                               const std::string& key_hint, int64_t now_unix) {
  auto reply = Command({"EVAL", kRotateScript, "3", UserKey(name), KeyKey(key_hash),
                        options_.prefix + "version", name, key_hash, key_hint,
                        std::to_string(now_unix), options_.prefix});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return ScriptError(reply->get(), name);
  return GetUser(name);
}

absl::Status RedisUserStore::SetBypass(const std::string& name, const std::string& model) {
  auto reply = Command(
      {"EVAL", kModifyScript, "2", UserKey(name), options_.prefix + "version", "bypass", model});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return ScriptError(reply->get(), name);
  return absl::OkStatus();
}

absl::Status RedisUserStore::AppendAudit(const std::string& line, size_t keep) {
  auto reply =
      Command({"EVAL", kAuditScript, "1", options_.prefix + "audit", line, std::to_string(keep)});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(StrCat("redis: ", std::string_view((*reply)->str, (*reply)->len)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> RedisUserStore::RecentAudit(size_t limit) {
  if (limit == 0) return std::vector<std::string>();
  auto reply = Command({"LRANGE", options_.prefix + "audit", "0", std::to_string(limit - 1)});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_ARRAY) return absl::InternalError("redis: audit is not a list");
  std::vector<std::string> lines;
  for (size_t i = 0; i < (*reply)->elements; ++i) {
    const redisReply* e = (*reply)->element[i];
    if (e->type == REDIS_REPLY_STRING) lines.emplace_back(e->str, e->len);
  }
  return lines;
}

absl::StatusOr<int64_t> RedisUserStore::Version() {
  auto reply = Command({"GET", options_.prefix + "version"});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_NIL) return 0;
  int64_t version = 0;
  if ((*reply)->type != REDIS_REPLY_STRING ||
      !ParseInt(std::string_view((*reply)->str, (*reply)->len), &version)) {
    return absl::InternalError("redis: version is not a number");
  }
  return version;
}

}  // namespace llmsrouter::auth
