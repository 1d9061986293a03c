// Which of a Messages request's stop_sequences ended a chat answer that finished with "stop".
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_STOP_SEQUENCE_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_STOP_SEQUENCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "services/router/anthropic/json.h"

namespace llmsrouter::router::anthropic {

// The OpenAI API does not say which stop sequence matched (and leaves it out of the text).
// In order: the server's own word when it names one of `stops` (vLLM's `stop_reason`,
// SGLang's `matched_stop`, read from `choice`); else the longest of `stops` that `text` ends
// with (servers that keep the stop string in the output); else "" (a natural end and a stop
// sequence cannot be told apart: end_turn).
std::string MatchedStopSequence(const Json& choice, std::string_view text,
                                const std::vector<std::string>& stops);

// The last bytes of a streamed answer, as many as the longest stop sequence (so that
// MatchedStopSequence can look at the end of the text without keeping all of it).
class TextTail {
 public:
  explicit TextTail(const std::vector<std::string>& stops);
  void Append(std::string_view text);
  std::string_view text() const { return tail_; }

 private:
  size_t keep_ = 0;
  std::string tail_;
};

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_STOP_SEQUENCE_H_
