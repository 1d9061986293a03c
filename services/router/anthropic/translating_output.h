// A CallOutput that translates one upstream attempt's answer into the client's protocol
// before handing it on: whole bodies (answers and errors) and SSE streams, event by event.
#ifndef LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATING_OUTPUT_H_
#define LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATING_OUTPUT_H_

#include <cstdint>
#include <optional>

#include "common/sse_parser.h"
#include "services/router/anthropic/chat_stream_to_events.h"
#include "services/router/anthropic/events_to_chat_stream.h"
#include "services/router/anthropic/translation.h"
#include "services/router/upstream_exchange.h"

namespace llmsrouter::router::anthropic {

// Sits between one UpstreamExchange and the call's output (`inner`, which must outlive it).
// Called only by the exchange, whose callbacks never overlap; it calls `inner` in the same
// order and on the same thread, holding no lock. `include_usage`: the chat client asked for
// the usage chunk (kChatToMessages); `created`: Unix seconds for chat answers; `facts`: of
// the Messages request (kMessagesToChat).
class TranslatingOutput : public CallOutput {
 public:
  TranslatingOutput(CallOutput* inner, Translation translation, bool include_usage, int64_t created,
                    MessagesRequestFacts facts = {});

  bool HasRoom() override { return inner_->HasRoom(); }
  void Emit(v1::CallResponse message) override;
  bool TakeOverFailure(const absl::Status& transport, int http_status,
                       absl::Duration retry_after) override {
    return inner_->TakeOverFailure(transport, http_status, retry_after);
  }
  void Complete(absl::Status status) override { inner_->Complete(std::move(status)); }

 private:
  void EmitHeldHead(int status);
  void TranslateEvents(std::string_view bytes, std::string* out);
  // `status`: the HTTP status, changed to 502 for an error body under a 2xx status.
  std::string TranslateBody(const std::string& body, int* status) const;

  CallOutput* inner_;
  Translation translation_;
  int64_t created_;
  MessagesRequestFacts facts_;  // kMessagesToChat, for whole answers
  int status_ = 0;
  bool stream_ = false;
  SseParser parser_;
  std::optional<ChatStreamToEvents> to_events_;
  std::optional<EventsToChatStream> to_chunks_;
  std::optional<v1::CallResponse> held_head_;  // a whole answer's head, until its body
};

}  // namespace llmsrouter::router::anthropic

#endif  // LLMSROUTER_SERVICES_ROUTER_ANTHROPIC_TRANSLATING_OUTPUT_H_
