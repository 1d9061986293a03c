// The router's flags for streamed uploads (issue 19), shared by llmsrouter-router and the
// all-in-one binary.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_FLAGS_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_FLAGS_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "common/options.h"

namespace llmsrouter::router {

// --upload-prefix-bytes / LLMSROUTER_UPLOAD_PREFIX_BYTES.
FlagSpec UploadPrefixFlagSpec();
// Its value: a positive number of bytes; INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<size_t> UploadPrefixBytesFrom(const Options& options);
// --upload-prefix-budget / LLMSROUTER_UPLOAD_PREFIX_BUDGET.
FlagSpec UploadPrefixBudgetFlagSpec();
// Its value: a number of bytes (0 allowed); INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<size_t> UploadPrefixBudgetFrom(const Options& options);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_FLAGS_H_
