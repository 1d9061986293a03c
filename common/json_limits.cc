#include "common/json_limits.h"

#include <string>

#include "common/status_map.h"

namespace llmsrouter {

absl::Status NestingTooDeepError() {
  return WithOpenAiDetails(
      absl::InvalidArgumentError("the JSON body nests arrays/objects deeper than " +
                                 std::to_string(kMaxJsonDepth) + " levels"),
      "", "json_too_deep");
}

bool JsonDepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return false;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace llmsrouter
