// Small string helpers on std::string_view. Debian's Abseil is built with its own
// absl::string_view (not an alias of std::string_view), so its string utilities do not accept
// std::string_view; these do.
#ifndef LLMSROUTER_COMMON_STRINGS_H_
#define LLMSROUTER_COMMON_STRINGS_H_

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace llmsrouter {
namespace strings_internal {

inline void Append(std::string& out, std::string_view piece) { out.append(piece); }
inline void Append(std::string& out, const char* piece) { out.append(piece); }
inline void Append(std::string& out, const std::string& piece) { out.append(piece); }
inline void Append(std::string& out, absl::string_view piece) {
  out.append(piece.data(), piece.size());
}
inline void Append(std::string& out, char c) { out.push_back(c); }
template <typename T>
requires std::is_arithmetic_v<T> &&
    (!std::is_same_v<T, char>)void Append(std::string& out, T value) {
  out.append(std::to_string(value));
}

}  // namespace strings_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  std::string out;
  (strings_internal::Append(out, args), ...);
  return out;
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  (strings_internal::Append(*out, args), ...);
}

inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

// glibc's memmem: std::string_view::find calls memchr once per occurrence of the needle's
// first character, which in JSON (a needle starting with '"') is nearly every token.
inline bool Contains(std::string_view haystack, std::string_view needle) {
  return needle.empty() ||
         ::memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}
bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle);
std::string Lower(std::string_view s);
std::string_view Trim(std::string_view s);
bool ConsumePrefix(std::string_view* s, std::string_view prefix);
bool ConsumeSuffix(std::string_view* s, std::string_view suffix);
std::vector<std::string_view> Split(std::string_view s, char separator);
std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// True when `pattern` matches the whole of `text`; '*' matches any run of characters and
// nothing else is special.
bool GlobMatch(std::string_view pattern, std::string_view text);

// Equality in time that depends only on the lengths, not on where the strings differ (for
// secrets: tokens, key hashes).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Whole-string integer parse; false on any junk or overflow.
template <typename T>
bool ParseInt(std::string_view s, T* out, int base = 10) {
  s = Trim(s);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_STRINGS_H_
