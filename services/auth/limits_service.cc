#include "services/auth/limits_service.h"

#include <chrono>

#include "common/status_map.h"

namespace llmsrouter::auth {
namespace {

absl::Status CheckIds(const std::string& user, const std::string& call_id) {
  if (user.empty() || call_id.empty()) {
    return absl::InvalidArgumentError("a limits call needs a user and a call id");
  }
  return absl::OkStatus();
}

// The caller gave up (cancelled, or its deadline passed while the call waited for a worker):
// the work is skipped, so no reservation is made that nobody would settle.
// (The deadline is gRPC's, on the real clock.) Settlements always run: they are idempotent
// and release what an admission reserved.
absl::Status CallerGone(grpc::CallbackServerContext* context) {
  if (context->IsCancelled()) return absl::CancelledError("the caller cancelled");
  if (context->deadline() <= std::chrono::system_clock::now()) {
    return absl::DeadlineExceededError("the caller's deadline passed before the work started");
  }
  return absl::OkStatus();
}

// Runs `work` on a worker thread and finishes with its status, or with the pool's refusal.
grpc::ServerUnaryReactor* OnWorker(grpc::CallbackServerContext* context, WorkerPool* workers,
                                   const CallerTrust* trust, bool skip_if_gone,
                                   std::function<absl::Status()> work) {
  auto* reactor = context->DefaultReactor();
  if (trust != nullptr && !trust->IsTrusted(*context)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                 "only the router may call the limits service"));
    return reactor;
  }
  absl::Status queued = workers->Post([context, skip_if_gone, reactor, work = std::move(work)] {
    absl::Status gone = skip_if_gone ? CallerGone(context) : absl::OkStatus();
    reactor->Finish(ToGrpcStatus(gone.ok() ? work() : gone));
  });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* LimitsService::Admit(grpc::CallbackServerContext* context,
                                               const v1::AdmitRequest* request,
                                               v1::AdmitResponse* response) {
  return OnWorker(context, deps_.workers, trust_, /*skip_if_gone=*/true,
                  [this, request, response]() -> absl::Status {
                    if (auto s = CheckIds(request->user(), request->call_id()); !s.ok()) return s;
                    auto admitted =
                        deps_.limits->Admit(*request, absl::ToUnixMillis(deps_.clock->Now()));
                    if (!admitted.ok()) return admitted.status();
                    *response = *std::move(admitted);
                    return absl::OkStatus();
                  });
}

grpc::ServerUnaryReactor* LimitsService::Settle(grpc::CallbackServerContext* context,
                                                const v1::SettleRequest* request,
                                                v1::SettleResponse*) {
  return OnWorker(context, deps_.workers, trust_, /*skip_if_gone=*/false,
                  [this, request]() -> absl::Status {
                    if (auto s = CheckIds(request->user(), request->call_id()); !s.ok()) return s;
                    return deps_.limits->Settle(*request, absl::ToUnixMillis(deps_.clock->Now()));
                  });
}

grpc::ServerUnaryReactor* LimitsService::Renew(grpc::CallbackServerContext* context,
                                               const v1::RenewRequest* request,
                                               v1::RenewResponse* response) {
  return OnWorker(context, deps_.workers, trust_, /*skip_if_gone=*/false,
                  [this, request, response]() -> absl::Status {
                    if (request->leases_size() > 10000) {
                      return absl::InvalidArgumentError("at most 10000 leases per renewal");
                    }
                    for (const auto& lease : request->leases()) {
                      if (auto s = CheckIds(lease.user(), lease.call_id()); !s.ok()) return s;
                    }
                    auto renewed =
                        deps_.limits->Renew(*request, absl::ToUnixMillis(deps_.clock->Now()));
                    if (!renewed.ok()) return renewed.status();
                    response->set_renewed(*renewed);
                    return absl::OkStatus();
                  });
}

}  // namespace llmsrouter::auth
