// The router's way to the limits service (auth.v1.LimitsService): admission before a call of a
// limited user, settlement and spend recording after every metered call. docs/LIMITS.md.
#ifndef LLMSROUTER_SERVICES_ROUTER_LIMITS_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_LIMITS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "llmsrouter/auth/v1/auth.grpc.pb.h"

namespace llmsrouter::router {

class UsageRecorder;

class LimitsClient {
 public:
  using AdmitDone = std::function<void(absl::StatusOr<auth::v1::AdmitResponse>)>;
  virtual ~LimitsClient() = default;
  // `done` runs exactly once, on a gRPC client thread or (fakes) inside this call. UNAVAILABLE
  // when the store or the service cannot be reached in bounded time.
  virtual void Admit(auth::v1::AdmitRequest request, AdmitDone done) = 0;
  // Fire and forget: a failure is logged and counted (the parallel lease then ends by itself).
  virtual void Settle(auth::v1::SettleRequest request) = 0;
  // Fire and forget: extends the parallel leases of calls still running (LeaseRenewer).
  virtual void Renew(auth::v1::RenewRequest request) = 0;
};

class LeaseRenewer;

// How the router meters calls (RouterDeps::meter).
struct MeterOptions {
  // Admission and settlement of users with limits; null: none (accounts off). Not owned. The
  // estimate and failure policy are in the config (RouterConfig::limits.calls), which can be
  // reloaded.
  LimitsClient* client = nullptr;
  // Spend records of users without limits; null: not recorded (token and cost metrics count
  // every call regardless). Not owned.
  UsageRecorder* usage = nullptr;
  // Where admitted calls with a parallel limit keep their lease alive; null: not renewed.
  LeaseRenewer* renewer = nullptr;
};

// LimitsClient over gRPC, with a deadline on every call.
class GrpcLimitsClient : public LimitsClient {
 public:
  GrpcLimitsClient(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);
  void Admit(auth::v1::AdmitRequest request, AdmitDone done) override;
  void Settle(auth::v1::SettleRequest request) override;
  void Renew(auth::v1::RenewRequest request) override;

 private:
  std::unique_ptr<auth::v1::LimitsService::Stub> stub_;
  absl::Duration deadline_;
};

// Counts a settlement that did not reach the store and logs it (at most one line a second).
void ReportSettleFailure(const std::string& user, const std::string& call_id,
                         std::string_view error);
// Logs a renewal of `calls` leases that did not reach the store (at most one line a second).
void ReportRenewFailure(int calls, std::string_view error);
// Failure logs while a store is down: at most one line a second (metrics count each failure).
class LogThrottle {
 public:
  // True at most once a second. Thread-safe.
  bool Due();

 private:
  std::atomic<int64_t> next_ms_{0};
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_LIMITS_CLIENT_H_
