#include "services/gateway/responses.h"

#include <nlohmann/json.hpp>

#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter::gateway {

std::string SseErrorEvent(const absl::Status& status) {
  return StrCat("data: ", OpenAiErrorBody(status), "\n\n");
}

std::string ResponsesSseErrorEvent(const absl::Status& status) {
  std::string param = ErrorParam(status);
  std::string code = ErrorCode(status);
  std::string_view type = OpenAiErrorType(HttpStatusFromStatus(status));
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s);
  };
  nlohmann::ordered_json error = {{"message", ToStd(status.message())},
                                  {"type", type},
                                  {"param", text_or_null(param)},
                                  {"code", text_or_null(code)}};
  nlohmann::ordered_json event = {{"type", "error"},
                                  {"code", code.empty() ? std::string(type) : code},
                                  {"message", error["message"]},
                                  {"param", error["param"]},
                                  {"sequence_number", 0},
                                  {"error", error}};
  return StrCat("event: error\ndata: ",
                event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "\n\n");
}

}  // namespace llmsrouter::gateway
