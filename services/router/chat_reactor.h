// RouterService.Chat: typed streaming chat for gRPC-native clients.
#ifndef LLMSROUTER_SERVICES_ROUTER_CHAT_REACTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_CHAT_REACTOR_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/sse_parser.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/router_deps.h"
#include "services/router/streaming_reactor.h"

namespace llmsrouter::router {

// The OpenAI chat body for a typed request (stream on, usage requested).
// INVALID_ARGUMENT when extra_json is not a JSON object.
absl::StatusOr<std::string> ChatRequestToJson(const v1::ChatRequest& request);
// The Call a typed chat request stands for (chat/completions, the body above).
absl::StatusOr<v1::CallRequest> ChatCallRequest(const v1::ChatRequest& request);

class ChatReactor : public StreamingReactor<v1::ChatEvent> {
 public:
  // Not started yet: StartUpstreamOnLoop(ChatCallRequest(...)) or FailEarly follows (once the
  // caller was authenticated).
  ChatReactor() = default;

  void Complete(absl::Status status) override;

 protected:
  void Translate(v1::CallResponse message, std::vector<v1::ChatEvent>* out) override;

 private:
  void TranslateEvent(std::string_view data, std::vector<v1::ChatEvent>* out);

  SseParser parser_;
  std::string upstream_model_;
  int upstream_status_ = 0;
  std::string error_body_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CHAT_REACTOR_H_
