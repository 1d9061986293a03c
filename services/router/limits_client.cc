#include "services/router/limits_client.h"

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
        MetricsRegistry::Global()
            .GetCounter("llmsrouter_limits_settle_failures_total",
                        "Settlements (spend records) that did not reach the store.")
            .Inc();
        Log(LogLevel::kError, "router", "spend not recorded: the limits store is unreachable",
            {{"user", call->request.user()},
             {"request_id", call->request.call_id()},
             {"error", status.error_message()}});
      });
}

void GrpcLimitsClient::Renew(auth::v1::RenewRequest request) {
  auto call = std::make_shared<AsyncCall<auth::v1::RenewRequest, auth::v1::RenewResponse>>();
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = std::move(request);
  stub_->async()->Renew(&call->context, &call->request, &call->response,
                        [call](grpc::Status status) {
                          if (status.ok()) return;
                          Log(LogLevel::kError, "router",
                              "parallel leases not renewed: the limits store is unreachable",
                              {{"calls", std::to_string(call->request.leases_size())},
                               {"error", status.error_message()}});
                        });
}

}  // namespace llmsrouter::router
