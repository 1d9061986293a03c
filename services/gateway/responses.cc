#include "services/gateway/responses.h"

#include <nlohmann/json.hpp>

#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::gateway {

std::string SseErrorEvent(const absl::Status& status) {
  return StrCat("data: ", OpenAiErrorBody(status), "\n\n");
}

std::string ResponsesSseErrorEvent(const absl::Status& status) {
  nlohmann::ordered_json error = OpenAiErrorObject(status);
  nlohmann::ordered_json event = {{"type", "error"},
                                  {"code", error["code"].is_null() ? error["type"] : error["code"]},
                                  {"message", error["message"]},
                                  {"param", error["param"]},
                                  {"sequence_number", 0},
                                  {"error", error}};
  return StrCat("event: error\ndata: ",
                event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "\n\n");
}

}  // namespace llmsrouter::gateway
