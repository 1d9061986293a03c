#include "services/router/multipart.h"

#include "absl/strings/match.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::router {
namespace {

absl::Status Malformed(std::string_view why) {
  return WithOpenAiDetails(
      absl::InvalidArgumentError(StrCat("malformed multipart/form-data body: ", why)), "", "");
}

// A parameter `key` of a Content-Disposition line (`name`, `filename`) starts after ' ' or ';'.
std::optional<size_t> ParameterAt(std::string_view line, std::string_view key) {
  for (size_t at = line.find(key); at != std::string_view::npos; at = line.find(key, at + 1)) {
    if (at > 0 && (line[at - 1] == ' ' || line[at - 1] == ';')) return at + key.size();
  }
  return std::nullopt;
}

// The part's name ("" when absent) and whether it is a file (has a filename parameter).
void ReadDisposition(std::string_view headers, MultipartPart* part) {
  for (std::string_view line : Split(headers, '\n')) {
    if (!absl::StartsWithIgnoreCase(absl::string_view(line.data(), line.size()),
                                    "content-disposition:")) {
      continue;
    }
    part->file = ParameterAt(line, "filename=") || ParameterAt(line, "filename*=");
    std::optional<size_t> start = ParameterAt(line, "name=\"");
    if (!start) return;
    size_t end = line.find('"', *start);
    if (end == std::string_view::npos) return;
    part->name = std::string(line.substr(*start, end - *start));
    return;
  }
}

}  // namespace

bool IsMultipart(std::string_view content_type) {
  return absl::StartsWithIgnoreCase(absl::string_view(content_type.data(), content_type.size()),
                                    "multipart/form-data");
}

absl::StatusOr<std::string> MultipartBoundary(std::string_view content_type) {
  std::optional<std::string_view> found;
  // Parameters after the media type, each "name=value" ("xboundary=" is not "boundary=").
  std::vector<std::string_view> params = Split(content_type, ';');
  for (size_t i = 1; i < params.size(); ++i) {
    std::string_view param = params[i];
    while (!param.empty() && (param.front() == ' ' || param.front() == '\t')) {
      param.remove_prefix(1);
    }
    if (absl::StartsWithIgnoreCase(absl::string_view(param.data(), param.size()), "boundary=")) {
      found = param.substr(9);
    }
  }
  if (!found) return Malformed("the Content-Type has no boundary");
  std::string_view value = *found;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  if (value.empty() || value.size() > 70) return Malformed("the boundary must have 1 to 70 chars");
  return std::string(value);
}

namespace {

// Lists the parts of `body`. With `truncated` set, `body` may be the first bytes of a longer
// body: the scan stops (setting *truncated) at the first part whose end is not in it.
absl::StatusOr<std::vector<MultipartPart>> ScanParts(std::string_view body,
                                                     std::string_view boundary, bool* truncated) {
  std::string delimiter = StrCat("\r\n--", boundary);
  std::vector<MultipartPart> parts;
  auto cut = [&](std::string_view why) -> absl::StatusOr<std::vector<MultipartPart>> {
    if (truncated == nullptr) return Malformed(why);
    *truncated = true;
    return parts;
  };
  // The first delimiter may open the body (no CRLF before it) or follow a preamble.
  size_t pos = body.starts_with(std::string_view(delimiter).substr(2)) ? delimiter.size() - 2
                                                                       : body.find(delimiter);
  if (pos == std::string_view::npos) return cut("the boundary does not occur in it");
  if (pos != delimiter.size() - 2) pos += delimiter.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (pos + 2 > body.size()) return cut("a delimiter is not followed by CRLF");
    if (body.substr(pos, 2) != "\r\n") return Malformed("a delimiter is not followed by CRLF");
    size_t headers = pos + 2;
    size_t blank = body.find("\r\n\r\n", headers);
    if (body.substr(headers, 2) == "\r\n") blank = headers - 2;  // a part without headers
    if (blank == std::string_view::npos) return cut("a part has no end of headers");
    size_t end = body.find(delimiter, blank + 4);
    if (end == std::string_view::npos) return cut("the closing boundary is missing");
    MultipartPart& part = parts.emplace_back();
    part.begin = blank + 4;
    part.end = end;
    ReadDisposition(body.substr(headers, blank - headers + 2), &part);
    pos = part.end + delimiter.size();
  }
}

}  // namespace

absl::StatusOr<std::vector<MultipartPart>> MultipartParts(std::string_view body,
                                                          std::string_view boundary) {
  return ScanParts(body, boundary, nullptr);
}

absl::StatusOr<std::vector<MultipartPart>> MultipartPartsInPrefix(std::string_view prefix,
                                                                  std::string_view boundary) {
  bool truncated = false;
  return ScanParts(prefix, boundary, &truncated);
}

absl::StatusOr<PrefixField> FindMultipartFieldInPrefix(std::string_view prefix,
                                                       std::string_view boundary,
                                                       std::string_view name) {
  bool truncated = false;
  auto parts = ScanParts(prefix, boundary, &truncated);
  if (!parts.ok()) return parts.status();
  PrefixField result;
  result.kind = truncated ? PrefixField::kNeedMore : PrefixField::kAbsent;
  for (const MultipartPart& part : *parts) {
    if (part.name != name || part.file) continue;
    if (result.kind == PrefixField::kFound) {
      return Malformed(StrCat("the field '", name, "' occurs twice"));
    }
    result = {PrefixField::kFound, part.begin, part.end};
  }
  return result;
}

std::string SpliceRange(std::string_view text, size_t begin, size_t end,
                        std::string_view replacement) {
  return StrCat(text.substr(0, begin), replacement, text.substr(end));
}

absl::StatusOr<std::optional<std::pair<size_t, size_t>>> FindMultipartField(
    std::string_view body, std::string_view boundary, std::string_view name) {
  auto parts = MultipartParts(body, boundary);
  if (!parts.ok()) return parts.status();
  std::optional<std::pair<size_t, size_t>> found;
  for (const MultipartPart& part : *parts) {
    if (part.name != name || part.file) continue;
    if (found) return Malformed(StrCat("the field '", name, "' occurs twice"));
    found.emplace(part.begin, part.end);
  }
  return found;
}

}  // namespace llmsrouter::router
