#include "common/sse_parser.h"

namespace llmsrouter {
namespace {

// Returns the end (one past the blank line) of the first event in `text` starting the search
// at `from`, or npos. Accepts LF, CRLF and CR line endings.
size_t FindEventEnd(std::string_view text, size_t from) {
  for (size_t i = from; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\n' && c != '\r') continue;
    size_t next = i + 1;
    if (c == '\r' && next < text.size() && text[next] == '\n') ++next;
    if (next >= text.size()) return std::string_view::npos;
    char d = text[next];
    if (d == '\n') return next + 1;
    if (d == '\r') {
      if (next + 1 < text.size() && text[next + 1] == '\n') return next + 2;
      if (next + 1 >= text.size()) return std::string_view::npos;  // could be CRLF
      return next + 1;
    }
    i = next - 1;
  }
  return std::string_view::npos;
}

}  // namespace

void SseParser::ParseData(std::string_view event) {
  data_.clear();
  bool first = true;
  while (!event.empty()) {
    size_t eol = event.find_first_of("\r\n");
    std::string_view line = event.substr(0, eol);
    if (eol == std::string_view::npos) {
      event = {};
    } else {
      size_t skip =
          (event[eol] == '\r' && eol + 1 < event.size() && event[eol + 1] == '\n') ? 2 : 1;
      event.remove_prefix(eol + skip);
    }
    if (line.substr(0, 5) != "data:") continue;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!first) data_.push_back('\n');
    data_.append(line);
    first = false;
  }
}

bool SseParser::Feed(std::string_view bytes, EventFn on_event) {
  buffer_.append(bytes);
  size_t start = 0;
  while (true) {
    size_t end = FindEventEnd(buffer_, std::max(start, scan_from_));
    if (end == std::string_view::npos) break;
    std::string_view raw(buffer_.data() + start, end - start);
    ParseData(raw);
    ++events_;
    on_event(raw, data_);
    start = end;
    scan_from_ = start;
  }
  if (start > 0) {
    buffer_.erase(0, start);
    scan_from_ = 0;
  }
  if (buffer_.size() > max_pending_) {
    std::string().swap(buffer_);
    scan_from_ = 0;
    return false;
  }
  // Resume scanning near the tail next time (a terminator may straddle two feeds).
  scan_from_ = buffer_.size() >= 3 ? buffer_.size() - 3 : 0;
  return true;
}

}  // namespace llmsrouter
