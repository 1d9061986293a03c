#include "services/router/upload_flags.h"

#include <cstdint>

#include "common/strings.h"

namespace llmsrouter::router {

FlagSpec UploadPrefixFlagSpec() {
  return {"upload-prefix-bytes", "LLMSROUTER_UPLOAD_PREFIX_BYTES", "33554432",
          "Most bytes of a streamed multipart upload the router holds to find its 'model' "
          "field (the OpenAI SDKs send it after the file when the code says {file, model}); "
          "such an upload is held until its model arrives, up to this, then needs ?proxy=, "
          "X-LLMSRouter-Provider or an id, else 400 model_not_in_prefix. Forms without a model "
          "(files, uploads parts) are never held: routed at once by the header or their id."};
}

FlagSpec UploadPrefixBudgetFlagSpec() {
  return {"upload-prefix-budget", "LLMSROUTER_UPLOAD_PREFIX_BUDGET", "268435456",
          "Most bytes all streamed uploads together may hold to find their 'model' field "
          "(each at most --upload-prefix-bytes). An upload that would hold more is answered "
          "503 upload_prefix_budget with Retry-After and gives back what it held; 0: no "
          "upload is held (a form whose model is not in its first chunk needs ?proxy= or "
          "X-LLMSRouter-Provider)."};
}

absl::StatusOr<size_t> UploadPrefixBudgetFrom(const Options& options) {
  uint64_t bytes = 0;
  if (!ParseInt(options.Get("upload-prefix-budget"), &bytes)) {
    return absl::InvalidArgumentError("--upload-prefix-budget must be a number of bytes (0: none)");
  }
  return static_cast<size_t>(bytes);
}

absl::StatusOr<size_t> UploadPrefixBytesFrom(const Options& options) {
  uint64_t bytes = 0;
  if (!ParseInt(options.Get("upload-prefix-bytes"), &bytes) || bytes == 0) {
    return absl::InvalidArgumentError("--upload-prefix-bytes must be a positive number");
  }
  return static_cast<size_t>(bytes);
}

}  // namespace llmsrouter::router
