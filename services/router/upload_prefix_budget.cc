#include "services/router/upload_prefix_budget.h"

#include "common/metrics.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/json_answer.h"

namespace llmsrouter::router {

namespace {
constexpr char kBudgetCode[] = "upload_prefix_budget";
// Held prefixes are freed as soon as their uploads find a model or end: a client may retry
// soon.
constexpr char kRetryAfterSeconds[] = "1";
}  // namespace

BufferBudget& HeldUploadPrefixes() {
  static BufferBudget* budget = new BufferBudget;
  return *budget;
}

void RegisterUploadHeldBytesGauge() {
  static const bool registered = [] {
    MetricsRegistry::Global().AddCallback(
        "llmsrouter_upload_held_bytes",
        "Bytes of streamed uploads the router holds to find their 'model' field "
        "(cap: --upload-prefix-budget).",
        "gauge", [] { return static_cast<double>(HeldUploadPrefixes().used()); });
    return true;
  }();
  (void)registered;
}

absl::Status UploadPrefixBudgetError(size_t budget) {
  return WithOpenAiDetails(
      absl::UnavailableError(StrCat(
          "the gateway holds its limit of uploads waiting for their 'model' field (", budget,
          " bytes in all, --upload-prefix-budget); retry later, or send 'model' before the file, "
          "or name the provider with ?proxy=alias or the X-LLMSRouter-Provider: alias header so "
          "that the upload is streamed without being held")),
      "model", kBudgetCode);
}

bool IsUploadPrefixBudgetError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable && ErrorCode(status) == kBudgetCode;
}

std::vector<v1::CallResponse> UploadPrefixBudgetRefusal(const absl::Status& error,
                                                        const std::string& request_id) {
  std::vector<v1::CallResponse> out = JsonAnswer(
      503, OpenAiErrorBody(ToStd(error.message()), "server_error", ErrorParam(error), kBudgetCode),
      request_id);
  (*out[0].mutable_head()->mutable_headers())["retry-after"] = kRetryAfterSeconds;
  return out;
}

}  // namespace llmsrouter::router
