#include "common/redis_connector.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "common/strings.h"

namespace llmsrouter {
namespace {

timeval DurationToTimeval(absl::Duration d) {
  int64_t us = absl::ToInt64Microseconds(d);
  return timeval{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

std::string_view ReplyText(const redisReply* reply) {
  if (reply == nullptr || reply->str == nullptr) return {};
  return std::string_view(reply->str, reply->len);
}

bool IsError(const redisReply* reply) {
  return reply == nullptr || reply->type == REDIS_REPLY_ERROR;
}

}  // namespace

void RedisContextDeleter::operator()(redisContext* context) const { redisFree(context); }
void RedisReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

RedisReplyPtr RedisCommand(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& s : args) {
    argv.push_back(s.data());
    lens.push_back(s.size());
  }
  return RedisReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

bool RedisConnector::IsFailoverReply(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ERROR) return false;
  std::string_view text = ReplyText(reply);
  return text.starts_with("READONLY") || text.starts_with("MASTERDOWN") ||
         text.starts_with("LOADING");
}

std::string RedisConnector::Describe() const {
  const RedisAddress& a = options_.address;
  if (!a.uses_sentinel()) return StrCat(a.host, ":", a.port);
  std::vector<std::string> sentinels;
  for (const RedisEndpoint& s : a.sentinels) sentinels.push_back(StrCat(s.host, ":", s.port));
  return StrCat("master '", a.master_name, "' via sentinels ", Join(sentinels, ","));
}

absl::StatusOr<RedisContextPtr> RedisConnector::Connect() const {
  if (!options_.address.uses_sentinel()) {
    return ConnectTo({options_.address.host, options_.address.port}, /*master=*/false);
  }
  auto master = AskSentinels();
  if (!master.ok()) return master.status();
  return ConnectTo(*master, /*master=*/true);
}

absl::StatusOr<RedisEndpoint> RedisConnector::AskSentinels() const {
  const RedisAddress& a = options_.address;
  std::vector<std::string> problems;
  for (const RedisEndpoint& sentinel : a.sentinels) {
    std::string where = StrCat(sentinel.host, ":", sentinel.port);
    RedisContextPtr context(redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port,
                                                    DurationToTimeval(options_.connect_timeout)));
    if (context == nullptr || context->err) {
      problems.push_back(StrCat(where, ": ", context ? context->errstr : "out of memory"));
      continue;
    }
    redisSetTimeout(context.get(), DurationToTimeval(options_.connect_timeout));
    if (!a.password.empty()) {
      // A sentinel without a password refuses AUTH; one with the same password needs it.
      std::vector<std::string> auth = {"AUTH"};
      if (!a.username.empty()) auth.push_back(a.username);
      auth.push_back(a.password);
      RedisCommand(context.get(), auth);
    }
    RedisReplyPtr reply =
        RedisCommand(context.get(), {"SENTINEL", "get-master-addr-by-name", a.master_name});
    if (reply == nullptr) {
      problems.push_back(StrCat(where, ": ", context->errstr));
    } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
      RedisEndpoint master{std::string(ReplyText(reply->element[0])), 0};
      if (ParseInt(ReplyText(reply->element[1]), &master.port)) return master;
      problems.push_back(StrCat(where, ": a malformed answer"));
    } else if (IsError(reply.get())) {
      problems.push_back(StrCat(where, ": ", ReplyText(reply.get())));
    } else {
      problems.push_back(StrCat(where, ": does not know master '", a.master_name, "'"));
    }
  }
  return absl::UnavailableError(
      StrCat("no sentinel named the master of '", a.master_name, "' (", Join(problems, "; "), ")"));
}

absl::StatusOr<RedisContextPtr> RedisConnector::ConnectTo(const RedisEndpoint& endpoint,
                                                          bool master) const {
  const RedisAddress& a = options_.address;
  std::string where = StrCat("Redis at ", endpoint.host, ":", endpoint.port);
  RedisContextPtr context(redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port,
                                                  DurationToTimeval(options_.connect_timeout)));
  if (context == nullptr || context->err) {
    return absl::UnavailableError(
        StrCat(where, " is unreachable: ", context ? context->errstr : "out of memory"));
  }
  redisSetTimeout(context.get(), DurationToTimeval(options_.command_timeout));
  redisEnableKeepAlive(context.get());
  if (!a.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!a.username.empty()) auth.push_back(a.username);
    auth.push_back(a.password);
    if (IsError(RedisCommand(context.get(), auth).get())) {
      return absl::UnavailableError(StrCat(where, " refused AUTH (check REDIS_URL's password)"));
    }
  }
  if (a.db != 0 && IsError(RedisCommand(context.get(), {"SELECT", std::to_string(a.db)}).get())) {
    return absl::UnavailableError(StrCat(where, ": SELECT ", a.db, " failed"));
  }
  // A Redis with requirepass answers NOAUTH to everything: say so once, at connect time.
  if (a.password.empty() && !master && IsError(RedisCommand(context.get(), {"PING"}).get())) {
    return absl::UnavailableError(
        StrCat(where,
               " refused PING; if it requires a password, put it in REDIS_URL "
               "(redis://:password@host:port/db)"));
  }
  if (master) {
    RedisReplyPtr role = RedisCommand(context.get(), {"ROLE"});
    if (role == nullptr || role->type != REDIS_REPLY_ARRAY || role->elements == 0 ||
        ReplyText(role->element[0]) != "master") {
      return absl::UnavailableError(
          StrCat(where, " is not the master of '", a.master_name, "' (yet): ",
                 role == nullptr       ? context->errstr
                 : IsError(role.get()) ? std::string(ReplyText(role.get()))
                                       : "its ROLE is not master"));
    }
  }
  return context;
}

}  // namespace llmsrouter
