#include "services/auth/limits_service.h"

#include "common/status_map.h"

namespace llmsrouter::auth {
namespace {

absl::Status CheckIds(const std::string& user, const std::string& call_id) {
  if (user.empty() || call_id.empty()) {
    return absl::InvalidArgumentError("a limits call needs a user and a call id");
  }
  return absl::OkStatus();
}

// Runs `work` on a worker thread and finishes with its status, or with the pool's refusal.
grpc::ServerUnaryReactor* OnWorker(grpc::CallbackServerContext* context, WorkerPool* workers,
                                   std::function<absl::Status()> work) {
  auto* reactor = context->DefaultReactor();
  absl::Status queued =
      workers->Post([reactor, work = std::move(work)] { reactor->Finish(ToGrpcStatus(work())); });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* LimitsService::Admit(grpc::CallbackServerContext* context,
                                               const v1::AdmitRequest* request,
                                               v1::AdmitResponse* response) {
  return OnWorker(context, deps_.workers, [this, request, response]() -> absl::Status {
    if (auto s = CheckIds(request->user(), request->call_id()); !s.ok()) return s;
    auto admitted = deps_.limits->Admit(*request, absl::ToUnixMillis(deps_.clock->Now()));
    if (!admitted.ok()) return admitted.status();
    *response = *std::move(admitted);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* LimitsService::Settle(grpc::CallbackServerContext* context,
                                                const v1::SettleRequest* request,
                                                v1::SettleResponse*) {
  return OnWorker(context, deps_.workers, [this, request]() -> absl::Status {
    if (auto s = CheckIds(request->user(), request->call_id()); !s.ok()) return s;
    return deps_.limits->Settle(*request, absl::ToUnixMillis(deps_.clock->Now()));
  });
}

}  // namespace llmsrouter::auth
