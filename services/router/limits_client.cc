#include "services/router/limits_client.h"

#include "absl/time/clock.h"
#include "common/async_call.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/status_map.h"

namespace llmsrouter::router {
GrpcLimitsClient::GrpcLimitsClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : stub_(auth::v1::LimitsService::NewStub(std::move(channel))), deadline_(deadline) {}

void GrpcLimitsClient::Admit(auth::v1::AdmitRequest request, AdmitDone done) {
  auto call = std::make_shared<AsyncCall<auth::v1::AdmitRequest, auth::v1::AdmitResponse>>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = std::move(request);
  stub_->async()->Admit(&call->context, &call->request, &call->response,
                        [call, done = std::move(done)](grpc::Status status) {
                          if (!status.ok()) return done(FromGrpcStatus(status));
                          done(std::move(call->response));
                        });
}

void GrpcLimitsClient::Settle(auth::v1::SettleRequest request) {
  auto call = std::make_shared<AsyncCall<auth::v1::SettleRequest, auth::v1::SettleResponse>>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = std::move(request);
  stub_->async()->Settle(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        if (status.ok()) return;
        ReportSettleFailure(call->request.user(), call->request.call_id(), status.error_message());
      });
}

void GrpcLimitsClient::Renew(auth::v1::RenewRequest request) {
  auto call = std::make_shared<AsyncCall<auth::v1::RenewRequest, auth::v1::RenewResponse>>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = std::move(request);
  stub_->async()->Renew(&call->context, &call->request, &call->response,
                        [call](grpc::Status status) {
                          if (status.ok()) return;
                          ReportRenewFailure(call->request.leases_size(), status.error_message());
                        });
}

void ReportSettleFailure(const std::string& user, const std::string& call_id,
                         std::string_view error) {
  MetricsRegistry::Global()
      .GetCounter("llmsrouter_limits_settle_failures_total",
                  "Settlements (spend records) that did not reach the store.")
      .Inc();
  static LogThrottle throttle;
  if (!throttle.Due()) return;  // the metric counts each one
  Log(LogLevel::kError, "router", "spend not recorded: the limits store is unreachable",
      {{"user", user}, {"request_id", call_id}, {"error", std::string(error)}});
}

void ReportRenewFailure(int calls, std::string_view error) {
  static LogThrottle throttle;
  if (!throttle.Due()) return;
  Log(LogLevel::kError, "router", "parallel leases not renewed: the limits store is unreachable",
      {{"calls", std::to_string(calls)}, {"error", std::string(error)}});
}

bool LogThrottle::Due() {
  int64_t now = absl::ToUnixMillis(absl::Now());
  int64_t due = next_ms_.load(std::memory_order_relaxed);
  return now >= due && next_ms_.compare_exchange_strong(due, now + 1000);
}

}  // namespace llmsrouter::router
