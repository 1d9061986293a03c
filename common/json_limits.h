// Limits on untrusted JSON. nlohmann's parser is iterative, but dumping, copying and some of
// its algorithms recurse once per nesting level, and so does simdjson's DOM: a body of 100,000
// '[' would overflow a thread's stack. Every untrusted document goes through these first.
#ifndef LLMSROUTER_COMMON_JSON_LIMITS_H_
#define LLMSROUTER_COMMON_JSON_LIMITS_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/status/status.h"

namespace llmsrouter {

// Deepest nesting of arrays and objects accepted from a client or an upstream. Real requests
// (messages, content parts, tool JSON schemas) stay far below it.
inline constexpr int kMaxJsonDepth = 128;

// True when no array/object in `text` nests deeper than `max_depth` (strings are skipped,
// escapes included). One linear pass, no allocation; says nothing about validity.
bool JsonDepthWithin(std::string_view text, int max_depth = kMaxJsonDepth);

// INVALID_ARGUMENT naming the limit, with the OpenAI `code` "json_too_deep".
absl::Status NestingTooDeepError();

// nlohmann parse without exceptions that refuses documents nested deeper than kMaxJsonDepth:
// the result is then `discarded`, as for malformed JSON.
template <typename Json = nlohmann::json>
Json ParseUntrustedJson(std::string_view text) {
  if (!JsonDepthWithin(text)) return Json(Json::value_t::discarded);
  return Json::parse(text, nullptr, false);
}

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_JSON_LIMITS_H_
