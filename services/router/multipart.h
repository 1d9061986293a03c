// multipart/form-data bodies (audio transcriptions, image edits, file uploads): the router
// reads only the part headers and the small `model` field, never the file parts' bytes.
#ifndef LLMSROUTER_SERVICES_ROUTER_MULTIPART_H_
#define LLMSROUTER_SERVICES_ROUTER_MULTIPART_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace llmsrouter::router {

// True for a "multipart/form-data" content type (any parameters, any case).
bool IsMultipart(std::string_view content_type);

// The boundary parameter of a multipart content type (quotes removed). INVALID_ARGUMENT when
// it is missing, empty or longer than RFC 2046's 70 characters.
absl::StatusOr<std::string> MultipartBoundary(std::string_view content_type);

// One part of a form: its name, whether it is a file (a `filename` parameter), and the byte
// range [begin, end) of its content in the body.
struct MultipartPart {
  std::string name;
  bool file = false;
  size_t begin = 0;
  size_t end = 0;
};

// Checks the structure of a whole multipart body (see FindMultipartField) and lists its
// parts in order. INVALID_ARGUMENT (naming what is wrong) for a malformed body.
absl::StatusOr<std::vector<MultipartPart>> MultipartParts(std::string_view body,
                                                          std::string_view boundary);
// The same for the first bytes of a body still arriving: the parts the prefix holds whole
// (the scan stops at the first part whose end is not in it).
absl::StatusOr<std::vector<MultipartPart>> MultipartPartsInPrefix(std::string_view prefix,
                                                                  std::string_view boundary);

// Checks the structure of a whole multipart body (a first delimiter, every part with its
// header block, the closing delimiter) and returns the byte range [first, second) of the
// value of the form field `name` (a field, not a file part), or nullopt when there is none.
// INVALID_ARGUMENT (naming what is wrong) for a malformed body or a field given twice.
absl::StatusOr<std::optional<std::pair<size_t, size_t>>> FindMultipartField(
    std::string_view body, std::string_view boundary, std::string_view name);

// Where a form field is in the first bytes (the "prefix") of a multipart body that is still
// arriving: kFound with its value's byte range [begin, end) in the prefix; kAbsent when the
// prefix holds the whole form (up to the closing delimiter) without it; kNeedMore when the
// prefix ends inside a part, so the field may still come.
struct PrefixField {
  enum Kind { kFound, kAbsent, kNeedMore };
  Kind kind = kAbsent;
  size_t begin = 0;
  size_t end = 0;
};

// FindMultipartField for a body's prefix: checks the structure of the parts the prefix holds
// whole and looks for the field `name` (not a file part) among them. A field given twice in
// the prefix is INVALID_ARGUMENT; one repeated after the prefix is not seen (the streamed rest
// goes upstream as sent). INVALID_ARGUMENT (naming what is wrong) for a malformed prefix.
absl::StatusOr<PrefixField> FindMultipartFieldInPrefix(std::string_view prefix,
                                                       std::string_view boundary,
                                                       std::string_view name);

// `text` with [begin, end) replaced by `replacement` (e.g. the `[alias]model` value of a
// form's prefix rewritten to the provider's model; the streamed rest is unchanged).
std::string SpliceRange(std::string_view text, size_t begin, size_t end,
                        std::string_view replacement);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_MULTIPART_H_
