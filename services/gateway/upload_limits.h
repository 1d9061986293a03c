// Which requests are uploads (a multipart POST under /v1/, its body streamed to the router as
// it arrives, never held whole) and the most bytes each endpoint takes.
#ifndef LLMSROUTER_SERVICES_GATEWAY_UPLOAD_LIMITS_H_
#define LLMSROUTER_SERVICES_GATEWAY_UPLOAD_LIMITS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/gateway/http_types.h"

namespace llmsrouter::gateway {

class UploadLimits {
 public:
  // OpenAI's own limits, each at most `max_bytes`; an endpoint not listed takes `max_bytes`.
  UploadLimits() : UploadLimits(kDefaultMaxBytes) {}
  explicit UploadLimits(uint64_t max_bytes);
  // `overrides`: "endpoint=size,..." with the endpoints audio/transcriptions,
  // audio/translations, images/edits, images/variations, uploads/parts (uploads/{id}/parts),
  // files; a size is bytes or a number with KiB, MiB or GiB. INVALID_ARGUMENT for an unknown
  // endpoint, a bad size, or a size over `max_bytes`.
  static absl::StatusOr<UploadLimits> Create(uint64_t max_bytes, std::string_view overrides);

  // The body limit of a streamed upload, or 0 when the request is no upload (its body is read
  // whole). Cheap for a request that is not a POST or not multipart.
  uint64_t For(const http::request_header<>& header) const;
  // The limit for an endpoint (the path after /v1/).
  uint64_t ForEndpoint(std::string_view endpoint) const;

  static constexpr uint64_t kDefaultMaxBytes = 512ull << 20;

 private:
  uint64_t max_bytes_;
  std::vector<std::pair<std::string, uint64_t>> limits_;  // by endpoint key
};

// "25MiB", "1GiB", "512KiB" or a number of bytes; INVALID_ARGUMENT otherwise (or for 0).
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_UPLOAD_LIMITS_H_
