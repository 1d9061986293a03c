#include "services/gateway/upload_limits.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "common/strings.h"

namespace llmsrouter::gateway {
namespace {

// OpenAI's documented limits.
constexpr std::pair<std::string_view, uint64_t> kDefaults[] = {
    {"audio/transcriptions", 25ull << 20}, {"audio/translations", 25ull << 20},
    {"images/edits", 50ull << 20},         {"images/variations", 50ull << 20},
    {"uploads/parts", 64ull << 20},        {"files", 512ull << 20},
};

// uploads/{id}/parts is keyed "uploads/parts".
std::string_view EndpointKey(std::string_view endpoint) {
  if (endpoint.starts_with("uploads/") && endpoint.ends_with("/parts") &&
      endpoint.size() > sizeof("uploads//parts") - 1) {
    return "uploads/parts";
  }
  return endpoint;
}

}  // namespace

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  text = Trim(text);
  uint64_t unit = 1;
  for (auto [suffix, shift] :
       {std::pair<std::string_view, int>{"KiB", 10}, {"MiB", 20}, {"GiB", 30}}) {
    if (absl::EndsWithIgnoreCase(absl::string_view(text.data(), text.size()),
                                 absl::string_view(suffix.data(), suffix.size()))) {
      unit = uint64_t{1} << shift;
      text.remove_suffix(suffix.size());
      break;
    }
  }
  uint64_t value = 0;
  if (!ParseInt(Trim(text), &value) || value == 0 || value > UINT64_MAX / unit) {
    return absl::InvalidArgumentError(
        StrCat("'", text, "' is no size (bytes, or a number with KiB, MiB or GiB)"));
  }
  return value * unit;
}

UploadLimits::UploadLimits(uint64_t max_bytes) : max_bytes_(max_bytes) {
  for (auto [key, bytes] : kDefaults) {
    limits_.emplace_back(std::string(key), std::min(bytes, max_bytes));
  }
}

absl::StatusOr<UploadLimits> UploadLimits::Create(uint64_t max_bytes, std::string_view overrides) {
  UploadLimits limits(max_bytes);
  for (std::string_view entry : Split(overrides, ',')) {
    if (Trim(entry).empty()) continue;
    size_t eq = entry.find('=');
    std::string_view key = Trim(entry.substr(0, eq));
    auto it = std::find_if(limits.limits_.begin(), limits.limits_.end(),
                           [&](const auto& limit) { return limit.first == key; });
    if (eq == std::string_view::npos || it == limits.limits_.end()) {
      return absl::InvalidArgumentError(
          StrCat("--upload-limits: '", entry,
                 "' is not endpoint=size with an endpoint among audio/transcriptions, "
                 "audio/translations, images/edits, images/variations, uploads/parts, files"));
    }
    auto bytes = ParseByteSize(entry.substr(eq + 1));
    if (!bytes.ok())
      return absl::InvalidArgumentError(StrCat("--upload-limits: ", bytes.status().message()));
    if (*bytes > max_bytes) {
      return absl::InvalidArgumentError(StrCat("--upload-limits: ", key, " (", *bytes,
                                               " bytes) is over --max-upload-bytes (", max_bytes,
                                               ")"));
    }
    it->second = *bytes;
  }
  return limits;
}

uint64_t UploadLimits::ForEndpoint(std::string_view endpoint) const {
  std::string_view key = EndpointKey(endpoint);
  for (const auto& [name, bytes] : limits_) {
    if (name == key) return bytes;
  }
  return max_bytes_;
}

uint64_t UploadLimits::For(const http::request_header<>& header) const {
  if (header.method() != http::verb::post) return 0;
  auto target = header.target();
  std::string_view path(target.data(), target.size());
  if (!path.starts_with("/v1/")) return 0;
  auto type = header[http::field::content_type];
  if (!absl::StartsWithIgnoreCase(absl::string_view(type.data(), type.size()),
                                  "multipart/form-data")) {
    return 0;
  }
  path.remove_prefix(4);
  return ForEndpoint(path.substr(0, path.find('?')));
}

}  // namespace llmsrouter::gateway
