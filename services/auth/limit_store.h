// Where admission windows, reservations and spend live (docs/LIMITS.md). An interface so the
// service can be tested without Redis; RedisLimitStore is the real one.
#ifndef LLMSROUTER_SERVICES_AUTH_LIMIT_STORE_H_
#define LLMSROUTER_SERVICES_AUTH_LIMIT_STORE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter::auth {

// Blocking calls, bounded in time; thread-safe. UNAVAILABLE when the store cannot be reached.
class LimitStore {
 public:
  virtual ~LimitStore() = default;
  // Checks and reserves every limit of the request in one atomic step, at `now_ms`.
  virtual absl::StatusOr<v1::AdmitResponse> Admit(const v1::AdmitRequest& request,
                                                  int64_t now_ms) = 0;
  // Settles a reservation to the real usage (refund or charge the difference), frees the
  // parallel slot and records the spend of the UTC day of `now_ms`, in one atomic step.
  virtual absl::Status Settle(const v1::SettleRequest& request, int64_t now_ms) = 0;
  // Extends the parallel leases of the calls still held to `now_ms` + the lease; returns how
  // many were held (a settled call is skipped).
  virtual absl::StatusOr<int64_t> Renew(const v1::RenewRequest& request, int64_t now_ms) = 0;
  // Recorded spend rows, day by day (INVALID_ARGUMENT for a bad date or a range over 400 days).
  virtual absl::StatusOr<v1::GetUsageResponse> Usage(const v1::GetUsageRequest& request) = 0;
};

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_LIMIT_STORE_H_
