// The router-wide cap on the bytes streamed uploads hold to find their `model` field
// (--upload-prefix-budget): each upload holds at most --upload-prefix-bytes, and all of them
// together at most the budget, so many hostile uploads cannot exhaust memory.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_PREFIX_BUDGET_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_PREFIX_BUDGET_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/buffer_budget.h"
#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router {

// The process's count of held upload prefixes (lock-free), exported as the gauge
// llmsrouter_upload_held_bytes once RegisterUploadHeldBytesGauge ran.
BufferBudget& HeldUploadPrefixes();
// Idempotent; from any thread.
void RegisterUploadHeldBytesGauge();

// UNAVAILABLE (code upload_prefix_budget): an upload could not hold its next chunk because
// all uploads together hold `budget` bytes already.
absl::Status UploadPrefixBudgetError(size_t budget);
bool IsUploadPrefixBudgetError(const absl::Status& status);

// The answer to such an upload: a 503 head with Retry-After and the OpenAI error body
// (server_error / upload_prefix_budget), as the call's messages.
std::vector<v1::CallResponse> UploadPrefixBudgetRefusal(const absl::Status& error,
                                                        const std::string& request_id);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_PREFIX_BUDGET_H_
