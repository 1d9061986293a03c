#include "services/router/redis_limits_client.h"

#include <hiredis/hiredis.h>

#include "absl/time/clock.h"
#include "common/limits/limit_scripts.h"

namespace llmsrouter::router {

void RedisLimitsClient::Admit(auth::v1::AdmitRequest request, AdmitDone done) {
  int64_t now_ms = absl::ToUnixMillis(clock_.Now());
  BudgetWindow window = limits::AdmitWindow(request, now_ms);
  int64_t lease_ms = absl::ToInt64Milliseconds(options_.parallel_lease);
  std::vector<std::string> args =
      limits::AdmitArgs(options_.prefix, request, now_ms, lease_ms, window);
  redis_->Eval(limits::AdmitScript(), limits::AdmitSha(), std::move(args),
               absl::Now() + options_.deadline,
               [request = std::move(request), window = std::move(window), lease_ms,
                done = std::move(done)](absl::StatusOr<RedisReplyPtr> reply) {
                 if (!reply.ok()) return done(reply.status());
                 if (absl::Status s = limits::ScriptReplyStatus(reply->get()); !s.ok()) {
                   return done(s);
                 }
                 auto answer = limits::ParseAdmitReply(request, reply->get(), window);
                 if (answer.ok() && answer->admitted()) answer->set_lease_ms(lease_ms);
                 done(std::move(answer));
               });
}

void RedisLimitsClient::Settle(auth::v1::SettleRequest request) {
  int64_t now_ms = absl::ToUnixMillis(clock_.Now());
  std::vector<std::string> args = limits::SettleArgs(
      options_.prefix, request, now_ms, absl::ToInt64Seconds(options_.usage_retention),
      absl::ToInt64Milliseconds(options_.parallel_lease));
  redis_->Eval(
      // Never skipped for a deadline (as auth's LimitsService): a settlement or release is
      // idempotent and frees what an admission reserved; the queue bound and Stop() bound it.
      limits::SettleScript(), limits::SettleSha(), std::move(args), absl::InfiniteFuture(),
      [user = request.user(), call_id = request.call_id()](absl::StatusOr<RedisReplyPtr> reply) {
        absl::Status s = reply.ok() ? limits::ScriptReplyStatus(reply->get()) : reply.status();
        if (!s.ok()) ReportSettleFailure(user, call_id, std::string(s.message()));
      });
}

void RedisLimitsClient::Renew(auth::v1::RenewRequest request) {
  if (request.leases().empty()) return;
  std::vector<std::string> args =
      limits::RenewArgs(options_.prefix, request, absl::ToUnixMillis(clock_.Now()),
                        absl::ToInt64Milliseconds(options_.parallel_lease));
  // No deadline, as settlements: a late renewal still keeps a running call's slots.
  redis_->Eval(limits::RenewScript(), limits::RenewSha(), std::move(args), absl::InfiniteFuture(),
               [calls = request.leases_size()](absl::StatusOr<RedisReplyPtr> reply) {
                 absl::Status s =
                     reply.ok() ? limits::ScriptReplyStatus(reply->get()) : reply.status();
                 if (!s.ok()) ReportRenewFailure(calls, std::string(s.message()));
               });
}

}  // namespace llmsrouter::router
