// Any byte stream, cut anywhere: events are whole, their bytes add up to what was fed minus
// the pending tail, and nothing crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/sse_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t cut = size > 1 ? data[0] % (input.size() + 1) : 0;
  llmsrouter::SseParser parser;
  std::string seen;
  auto collect = [&](std::string_view raw, std::string_view) { seen.append(raw); };
  parser.Feed(input.substr(0, cut), collect);
  parser.Feed(input.substr(cut), collect);
  if (seen + std::string(parser.pending()) != input) std::abort();
  return 0;
}
