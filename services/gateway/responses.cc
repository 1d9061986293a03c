#include "services/gateway/responses.h"

#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::gateway {

std::string SseErrorEvent(const absl::Status& status) {
  return StrCat("data: ", OpenAiErrorBody(status), "\n\n");
}

}  // namespace llmsrouter::gateway
