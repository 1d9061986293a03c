#include "services/auth/redis_limit_store.h"

#include <hiredis/hiredis.h>

#include <map>

#include "absl/time/civil_time.h"
#include "common/limits/limit_scripts.h"
#include "common/strings.h"
#include "common/user_limits.h"

namespace llmsrouter::auth {

using limits::IntAt;

absl::StatusOr<RedisUserStore::Reply> RedisLimitStore::Eval(const std::string& script,
                                                            const std::string& sha,
                                                            std::vector<std::string> args) {
  args.insert(args.begin(), {"EVALSHA", sha, "0"});
  auto reply = redis_->Command(args);
  if (!reply.ok()) return reply.status();
  if (limits::IsNoScript(reply->get())) {
    args[0] = "EVAL";
    args[1] = script;
    reply = redis_->Command(args);
    if (!reply.ok()) return reply.status();
  }
  if (absl::Status s = limits::ScriptReplyStatus(reply->get()); !s.ok()) return s;
  return reply;
}

absl::StatusOr<v1::AdmitResponse> RedisLimitStore::Admit(const v1::AdmitRequest& request,
                                                         int64_t now_ms) {
  BudgetWindow window = limits::AdmitWindow(request, now_ms);
  auto reply = Eval(limits::AdmitScript(), limits::AdmitSha(),
                    limits::AdmitArgs(redis_->prefix(), request, now_ms,
                                      absl::ToInt64Milliseconds(options_.parallel_lease), window));
  if (!reply.ok()) return reply.status();
  auto answer = limits::ParseAdmitReply(request, reply->get(), window);
  if (answer.ok() && answer->admitted()) {
    answer->set_lease_ms(absl::ToInt64Milliseconds(options_.parallel_lease));
  }
  return answer;
}

absl::StatusOr<int64_t> RedisLimitStore::Renew(const v1::RenewRequest& request, int64_t now_ms) {
  if (request.leases().empty()) return 0;
  auto reply = Eval(limits::RenewScript(), limits::RenewSha(),
                    limits::RenewArgs(redis_->prefix(), request, now_ms,
                                      absl::ToInt64Milliseconds(options_.parallel_lease)));
  if (!reply.ok()) return reply.status();
  return (*reply)->type == REDIS_REPLY_INTEGER ? (*reply)->integer : 0;
}

absl::Status RedisLimitStore::Settle(const v1::SettleRequest& request, int64_t now_ms) {
  auto reply = Eval(limits::SettleScript(), limits::SettleSha(),
                    limits::SettleArgs(redis_->prefix(), request, now_ms,
                                       absl::ToInt64Seconds(options_.usage_retention),
                                       absl::ToInt64Milliseconds(options_.parallel_lease)));
  return reply.status();
}

absl::StatusOr<v1::GetUsageResponse> RedisLimitStore::Usage(const v1::GetUsageRequest& request) {
  absl::CivilDay since, until;
  if (!absl::ParseCivilTime(request.since(), &since) ||
      !absl::ParseCivilTime(request.until(), &until)) {
    return absl::InvalidArgumentError("since and until must be dates, YYYY-MM-DD");
  }
  if (until < since || until - since > 400) {
    return absl::InvalidArgumentError("the date range must be 0 to 400 days, since <= until");
  }
  v1::GetUsageResponse out;
  for (absl::CivilDay day = since; day <= until; ++day) {
    std::string name = absl::FormatCivilTime(day);
    auto reply = redis_->Command({"HGETALL", redis_->prefix() + "usage:" + name});
    if (!reply.ok()) return reply.status();
    std::map<std::pair<std::string, std::string>, v1::UsageRow> rows;
    const redisReply* r = reply->get();
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
      std::vector<std::string_view> f =
          Split(std::string_view(r->element[i]->str, r->element[i]->len), '\t');
      if (f.size() != 3 || (!request.user().empty() && f[0] != request.user())) continue;
      v1::UsageRow& row = rows[{std::string(f[0]), std::string(f[1])}];
      int64_t n = IntAt(r, i + 1);
      if (f[2] == "calls") row.set_calls(n);
      if (f[2] == "prompt") row.set_prompt_tokens(n);
      if (f[2] == "cached") row.set_cached_tokens(n);
      if (f[2] == "completion") row.set_completion_tokens(n);
      if (f[2] == "cost") row.set_cost_micros(n);
      if (f[2] == "estimated") row.set_estimated_calls(n);
    }
    for (auto& [key, row] : rows) {
      row.set_day(name);
      row.set_user(key.first);
      row.set_model(key.second);
      *out.add_rows() = std::move(row);
    }
  }
  return out;
}

}  // namespace llmsrouter::auth
