// Incremental parser for text/event-stream bodies.
#ifndef LLMSROUTER_COMMON_SSE_PARSER_H_
#define LLMSROUTER_COMMON_SSE_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace llmsrouter {

// Splits a byte stream into complete SSE events, whatever the network chunking.
// Not thread-safe; one parser per stream.
class SseParser {
 public:
  static constexpr size_t kDefaultMaxPending = size_t{4} << 20;

  // `max_pending`: the most bytes an unterminated event may reach.
  explicit SseParser(size_t max_pending = kDefaultMaxPending) : max_pending_(max_pending) {}

  // `raw` is the whole event including its terminating blank line, byte for byte as it
  // arrived; `data` is the joined value of its `data:` fields (empty for comment-only events).
  using EventFn = absl::FunctionRef<void(std::string_view raw, std::string_view data)>;

  // Feeds bytes and calls `on_event` for every event completed by them. Views are valid only
  // during the callback. False when the event still unterminated after them is larger than
  // `max_pending`: its bytes are then dropped (and their memory freed); the stream cannot be
  // parsed further.
  bool Feed(std::string_view bytes, EventFn on_event);

  // Bytes received that do not yet form a complete event.
  std::string_view pending() const { return buffer_; }
  size_t events() const { return events_; }

 private:
  void ParseData(std::string_view event);

  size_t max_pending_;
  std::string buffer_;
  std::string data_;
  size_t scan_from_ = 0;
  size_t events_ = 0;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_SSE_PARSER_H_
