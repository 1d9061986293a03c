// Turns one upstream HTTP response into the Call stream: head, data, summary.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPSTREAM_EXCHANGE_H_
#define LLMSROUTER_SERVICES_ROUTER_UPSTREAM_EXCHANGE_H_

#include <string>

#include "common/buffer_budget.h"
#include "common/clock.h"
#include "common/sse_parser.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/http_client.h"

namespace llmsrouter::router {

// Where the exchange delivers messages. Called from the HTTP client's thread.
class CallOutput {
 public:
  virtual ~CallOutput() = default;
  // False when the consumer is full; it must then arrange HttpTransfer::Resume() once it
  // has drained. Thread-safe.
  virtual bool HasRoom() = 0;
  virtual void Emit(v1::CallResponse message) = 0;
  // Offered before an error answer is emitted — a transport failure before anything was
  // emitted (`http_status` 0) or an upstream HTTP error. Returning true means the consumer
  // takes over (retry or fallback): the exchange then emits nothing and does not call
  // Complete. `retry_after` is the upstream's Retry-After (zero when absent).
  virtual bool TakeOverFailure(const absl::Status& transport, int http_status,
                               absl::Duration retry_after) {
    return false;
  }
  // The last call. OK, or the error that ended the call. The exchange does not touch
  // itself after calling this (the consumer may destroy it).
  virtual void Complete(absl::Status status) = 0;
};

struct ExchangeInfo {
  std::string provider;
  std::string upstream_model;
  std::string request_id;
  bool stream_requested = false;
  // The router added stream_options.include_usage: the usage-only chunk is recorded but
  // not forwarded.
  bool hide_usage_chunk = false;
  // The provider speaks Anthropic's Messages API: usage and stop reason are read from its
  // events and messages (services/router/anthropic/usage.h).
  bool anthropic = false;
  // Largest unterminated SSE event held (config limits.sse_event_bytes).
  size_t max_event_bytes = SseParser::kDefaultMaxPending;
  // What all calls together may hold (config limits.buffered_bytes), counted in `budget`.
  size_t max_buffered_bytes = size_t{512} << 20;
  BufferBudget* budget = &BufferBudget::Global();
  // Non-empty: resource ids in the answer (files, responses, ...) are handed out carrying
  // this provider alias (EncodeResourceIdsInJson), in whole bodies and in SSE events.
  std::string id_alias;
  // A 2xx answer is a file's bytes (files/{id}/content): passed through as it comes,
  // whatever its content type, never buffered, parsed or rewritten.
  bool raw_answer = false;
};

// Retry-After / retry-after-ms in a header list (seconds or milliseconds; dates ignored).
absl::Duration RetryAfter(const HeaderList& headers);

class UpstreamExchange : public HttpResponseHandler {
 public:
  // Largest non-streamed body accepted from an upstream.
  static constexpr size_t kMaxBodyBytes = 64 << 20;

  UpstreamExchange(const Clock& clock, CallOutput* output, ExchangeInfo info);

  void OnHeaders(int status, HeaderList headers) override;
  bool OnData(std::string_view bytes) override;
  // UNAVAILABLE (code upstream_error) once a cap was passed: an SSE event over
  // max_event_bytes, a body over kMaxBodyBytes, or the process-wide budget exhausted.
  absl::Status AbortStatus() override { return abort_; }
  void OnComplete(absl::Status status) override;

  // True once anything was emitted (a retry is then no longer possible).
  bool emitted() const { return emitted_; }

 private:
  void EmitHead();
  bool ForwardRaw(std::string_view bytes);
  void InspectEvent(std::string_view data);
  void InspectBody();
  void EmitSummary(std::string error);
  // Ends the transfer with a cap's error; OnData then returns false.
  bool Abort(std::string_view what);
  // A transport failure as clients may see it: the provider alias and curl's fixed text,
  // never an address (the details go to the log, with the request id).
  absl::Status ForClient(absl::Status status) const;
  // A non-JSON error body (an HTML page from a proxy, plain text) becomes an OpenAI error
  // that quotes the start of it.
  void WrapNonJsonError(int http_status);
  int64_t NowMicros() const;

  const Clock& clock_;
  CallOutput* output_;
  ExchangeInfo info_;
  v1::ResponseHead head_;
  v1::CallSummary summary_;
  bool streaming_ = false;
  // A 2xx answer that is neither JSON nor SSE (audio, file content): its bytes are passed
  // through as they come.
  bool raw_ = false;
  bool emitted_ = false;
  absl::Duration retry_after_;
  std::string body_;
  std::string batch_;
  SseParser parser_;
  BufferReservation reservation_;
  absl::Status abort_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPSTREAM_EXCHANGE_H_
