#include "services/router/anthropic/stop_sequence.h"

#include <algorithm>

namespace llmsrouter::router::anthropic {

std::string MatchedStopSequence(const Json& choice, std::string_view text,
                                const std::vector<std::string>& stops) {
  if (stops.empty()) return "";
  for (const char* key : {"stop_reason", "matched_stop"}) {
    std::string said = Str(choice, key);
    if (!said.empty() && std::find(stops.begin(), stops.end(), said) != stops.end()) return said;
  }
  const std::string* longest = nullptr;
  for (const std::string& stop : stops) {
    if (stop.empty() || !text.ends_with(stop)) continue;
    if (longest == nullptr || stop.size() > longest->size()) longest = &stop;
  }
  return longest != nullptr ? *longest : "";
}

TextTail::TextTail(const std::vector<std::string>& stops) {
  for (const std::string& stop : stops) keep_ = std::max(keep_, stop.size());
}

void TextTail::Append(std::string_view text) {
  if (keep_ == 0 || text.empty()) return;
  if (text.size() >= keep_) {
    tail_.assign(text.substr(text.size() - keep_));
    return;
  }
  tail_.append(text);
  if (tail_.size() > keep_) tail_.erase(0, tail_.size() - keep_);
}

}  // namespace llmsrouter::router::anthropic
