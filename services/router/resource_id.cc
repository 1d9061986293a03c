#include "services/router/resource_id.h"

#include <array>
#include <cctype>

#include "absl/strings/escaping.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::router {
namespace {

// Type prefixes of the resources a provider stores for a client.
constexpr std::array<std::string_view, 6> kResourcePrefixes = {"file-",   "resp_", "batch_",
                                                               "upload_", "vs_",   "vsfb_"};
constexpr std::array<std::string_view, 5> kResourceEndpoints = {"files", "batches", "responses",
                                                                "uploads", "vector_stores"};

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool AllIdChars(std::string_view s) {
  for (char c : s) {
    if (!IsIdChar(c)) return false;
  }
  return !s.empty();
}

// An id of exactly one of the resource types: its type prefix, then letters and digits only
// (so "batch_req_1", a batch's request id, is not taken for a batch id).
bool IsResourceId(std::string_view value) {
  if (!AllIdChars(value)) return false;
  for (std::string_view prefix : kResourcePrefixes) {
    if (!value.starts_with(prefix) || value.size() == prefix.size()) continue;
    std::string_view rest = value.substr(prefix.size());
    return rest.find_first_of("-_") == std::string_view::npos;
  }
  return false;
}

// Calls `fn(begin, end)` with the byte range of every string value of an id key (IsIdKey)
// in the JSON text `s`, in order, without parsing it: a key is a string followed by ':'.
template <typename Fn>
void ForEachIdValue(std::string_view s, Fn fn) {
  bool key_names_id = false;
  size_t i = 0;
  while ((i = s.find('"', i)) != std::string_view::npos) {
    size_t end = i + 1;
    bool escaped = false;
    while (end < s.size() && s[end] != '"') {
      if (s[end] == '\\') {
        escaped = true;
        ++end;
      }
      ++end;
    }
    if (end >= s.size()) return;
    size_t next = s.find_first_not_of(" \t\r\n", end + 1);
    if (next != std::string_view::npos && s[next] == ':') {
      key_names_id = !escaped && IsIdKey(s.substr(i + 1, end - i - 1));
    } else if (key_names_id) {
      fn(i + 1, end);
    }
    i = end + 1;
  }
}

// An infix starts at an id's beginning or right after its type prefix, never inside a word.
bool AtIdStart(std::string_view text, size_t pos) {
  if (pos == 0) return true;
  char before = text[pos - 1];
  return !IsIdChar(before) || before == '-' || before == '_';
}

}  // namespace

bool IsIdKey(std::string_view key) {
  return key == "id" || key.ends_with("_id") || key.ends_with("_ids");
}

absl::Status MixedProvidersError(std::string_view first, std::string_view second) {
  return WithOpenAiDetails(
      absl::InvalidArgumentError(StrCat("this call names ids of two providers ('", first, "' and '",
                                        second, "'); a call goes to one provider")),
      "", "mixed_providers");
}

std::string EncodeResourceId(std::string_view alias, std::string_view id) {
  size_t cut = id.find_first_of("-_");
  size_t prefix = cut == std::string_view::npos ? 0 : cut + 1;
  return StrCat(id.substr(0, prefix), kIdMarker,
                absl::WebSafeBase64Escape(absl::string_view(alias.data(), alias.size())), ".",
                id.substr(prefix));
}

// One pass, copying the text between infixes once (erasing in place would be quadratic in
// a hostile body full of infixes).
absl::StatusOr<std::string> DecodeResourceIds(std::string* text) {
  std::string_view in = *text;
  std::string alias;
  std::string out;
  size_t copied = 0;
  size_t pos = 0;
  while ((pos = in.find(kIdMarker, pos)) != std::string_view::npos) {
    size_t start = pos + kIdMarker.size();
    size_t dot = in.find('.', start);
    std::string decoded;
    if (!AtIdStart(in, pos) || dot == std::string_view::npos ||
        !AllIdChars(in.substr(start, dot - start)) ||
        !absl::WebSafeBase64Unescape(absl::string_view(in.data() + start, dot - start), &decoded) ||
        decoded.empty()) {
      pos = start;  // not one of ours (text that merely contains the marker)
      continue;
    }
    if (!alias.empty() && decoded != alias) return MixedProvidersError(alias, decoded);
    alias = std::move(decoded);
    out.append(in.substr(copied, pos - copied));
    copied = pos = dot + 1;
  }
  if (copied == 0) return alias;
  out.append(in.substr(copied));
  text->swap(out);
  return alias;
}

bool EndpointHasResourceIds(std::string_view endpoint) {
  std::string_view first = endpoint.substr(0, endpoint.find('/'));
  for (std::string_view name : kResourceEndpoints) {
    if (first == name) return true;
  }
  return false;
}

absl::StatusOr<std::string> DecodeResourceIdsInJson(std::string* json) {
  std::string alias;
  if (json->find(kIdMarker) == std::string::npos) return alias;
  std::string_view s = *json;
  absl::Status status;
  std::string out;
  size_t copied = 0;
  ForEachIdValue(s, [&](size_t begin, size_t end) {
    std::string_view value = s.substr(begin, end - begin);
    if (!status.ok() || value.find(kIdMarker) == std::string_view::npos) return;
    std::string text(value);
    auto found = DecodeResourceIds(&text);
    if (!found.ok() || found->empty()) {
      status = found.status();
      return;
    }
    if (!alias.empty() && *found != alias) {
      status = MixedProvidersError(alias, *found);
      return;
    }
    alias = *std::move(found);
    out.append(s.substr(copied, begin - copied));
    out += text;
    copied = end;
  });
  if (!status.ok()) return status;
  if (copied == 0) return alias;
  out.append(s.substr(copied));
  json->swap(out);
  return alias;
}

bool EncodeResourceIdsInJson(std::string_view alias, std::string* json) {
  std::string_view s = *json;
  std::string out;
  size_t copied = 0;
  ForEachIdValue(s, [&](size_t begin, size_t end) {
    std::string_view value = s.substr(begin, end - begin);
    if (!IsResourceId(value)) return;
    out.append(s.substr(copied, begin - copied));
    out += EncodeResourceId(alias, value);
    copied = end;
  });
  if (copied == 0) return false;
  out.append(s.substr(copied));
  json->swap(out);
  return true;
}

}  // namespace llmsrouter::router
