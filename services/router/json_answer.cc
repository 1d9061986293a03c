#include "services/router/json_answer.h"

#include <utility>

namespace llmsrouter::router {

std::vector<v1::CallResponse> JsonAnswer(int status, std::string body,
                                         const std::string& request_id) {
  std::vector<v1::CallResponse> out(2);
  v1::ResponseHead* head = out[0].mutable_head();
  head->set_status(status);
  head->set_content_type("application/json");
  head->set_request_id(request_id);
  out[1].set_data(std::move(body));
  return out;
}

}  // namespace llmsrouter::router
