// One client connection: HTTP/1.1 keep-alive, whole responses and chunked streams.
#ifndef LLMSROUTER_COMMON_HTTP_HTTP_SESSION_H_
#define LLMSROUTER_COMMON_HTTP_HTTP_SESSION_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/http/body_reader.h"
#include "common/http/http_types.h"

namespace llmsrouter::web {

struct HttpLimits {
  uint64_t max_body_bytes = 32 << 20;
  uint32_t max_header_bytes = 16 << 10;
  absl::Duration keep_alive_timeout = absl::Seconds(75);
  absl::Duration header_timeout = absl::Seconds(30);
  // A streamed body (ReadBody) whose client sends no byte for this long fails its read with
  // DEADLINE_EXCEEDED (answered 408). It bounds each wait for the next bytes, never the
  // whole upload: a large body sent slowly but steadily is fine.
  absl::Duration body_idle_timeout = absl::Seconds(30);
  // A client that takes longer than this to accept one write (it stopped reading its
  // stream) is dropped, and its upstream call cancelled.
  absl::Duration write_timeout = absl::Seconds(120);
  // Which requests have their body streamed (the handler reads it in chunks with
  // HttpSession::ReadBody) instead of read whole before the handler: returns that body's
  // limit in bytes, or 0 to read it whole (up to max_body_bytes). Called on the session's
  // thread once a request's header is read; unset: every body is read whole.
  std::function<uint64_t(const http::request_header<>&)> streamed_body_limit;
};

class HttpSession;

// Handles one parsed request. Called on the session's executor; must eventually answer
// through exactly one of SendResponse or SendStreamHead ... FinishStream. A request whose
// body is streamed (HttpLimits::streamed_body_limit) comes with an empty body: the handler
// reads it with ReadBody.
using RequestHandler = std::function<void(std::shared_ptr<HttpSession>, HttpRequest)>;

// Every method must be called on the session's executor (post there from other threads).
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  using Done = std::function<void(bool ok)>;

  // `in_flight` counts requests read but not yet fully answered, server-wide. Once `closing`
  // (may be null) is true, responses say "Connection: close" and the connection ends after
  // them (a server about to go: clients reconnect elsewhere).
  HttpSession(net::ip::tcp::socket socket, const HttpLimits& limits, RequestHandler handler,
              std::shared_ptr<std::atomic<int>> in_flight,
              std::shared_ptr<const std::atomic<bool>> closing = nullptr);
  ~HttpSession();

  void Run();
  net::any_io_executor executor() { return stream_.get_executor(); }

  // A complete response; the connection then reads the next request (or closes).
  void SendResponse(HttpResponse response);
  // Starts a chunked response: the head, then chunks, then FinishStream.
  void SendStreamHead(http::response<http::empty_body> head, Done done);
  // `data` must stay valid until `done` runs.
  void SendChunk(std::string_view data, Done done);
  // Writes `tail` (if any) and the last chunk; then keep-alive (if `reuse`) or close.
  void FinishStream(std::string tail, bool reuse);
  // Ends a chunked response that broke mid-way by closing the connection without the last
  // chunk: the client sees a truncated body, never a complete one.
  void AbortStream();
  // Calls `on_gone` once if the client closes the connection before the current request is
  // answered. Not while a streamed body is being read (its bytes would wake the watch): does
  // nothing then; arm it once the body is complete.
  void WatchForDisconnect(std::function<void()> on_gone);
  bool client_gone() const { return client_gone_; }
  // True when the current request's body is streamed (read with ReadBody).
  bool body_streamed() const { return body_reader_.has_value(); }
  // True when the current request's body is streamed and not yet read to its end.
  bool body_pending() const { return request_unread_ && body_reader_.has_value(); }
  // The current streamed request's declared Content-Length (none when sent chunked).
  std::optional<uint64_t> body_length() const {
    if (!stream_parser_ || !stream_parser_->content_length()) return std::nullopt;
    return *stream_parser_->content_length();
  }
  // Reads the next chunk (at most 64 KiB) of the current request's streamed body; see
  // BodyReader::Done. One ReadBody at a time; `done` never runs inside this call. The first
  // call answers "Expect: 100-continue" first. While a chunked answer (SendStreamHead) is
  // being written the body may still be read; after a whole answer or the end of a chunked
  // one, or after the last chunk, `done` gets an error; DEADLINE_EXCEEDED when the client sent
  // nothing for HttpLimits::body_idle_timeout (the session can still answer it: 408). An answer
  // sent before the body's end closes the connection (lingering close): the rest of the body is
  // never taken as a next request.
  void ReadBody(BodyReader::Done done);
  // Headers the current request's answer carries, whole or streamed (CORS); reset for each
  // request.
  void SetAnswerHeaders(std::vector<std::pair<std::string, std::string>> headers) {
    answer_headers_ = std::move(headers);
  }
  // The peer's IP address ("" if unknown).
  const std::string& remote_address() const { return remote_address_; }

 private:
  void DoRead();
  void OnHeader(beast::error_code ec);
  // Reads the rest of a whole body: at once from the read buffer when it is all there.
  void ReadWholeBody();
  void ReserveForBody();
  void StartStreamedBody();
  // Writes "100 Continue" when the client waits for it (once per request).
  void SendContinue();
  void OnRead(beast::error_code ec);
  // Hands a request to the handler; `body_unread`: its streamed body is still to be read.
  void Deliver(HttpRequest request, bool body_unread);
  // (Re)arms the timer of the body read in flight: on expiry that read is cancelled.
  void ArmBodyTimer(absl::Duration after);
  // Ends the body read in flight at once (an answer was sent, or the client went idle).
  void CancelBodyRead();
  void ArmWatch(uint64_t generation, std::shared_ptr<std::function<void()>> on_gone);
  std::string_view RequestTarget() const;
  void AfterResponse(bool keep_alive, beast::error_code ec);
  // Closes after an answer given while the client may still be sending (413, 431, a
  // malformed request): shuts down the write side, then reads and discards for a bounded
  // time and size before closing, as nginx's lingering close does — closing at once would
  // reset the connection and many clients would lose the answer.
  void LingerThenClose();
  void DiscardInput();
  void Close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpLimits limits_;
  RequestHandler handler_;
  std::optional<http::request_parser<http::string_body>> parser_;
  // A streamed body: the parser (moved from parser_ after the header) and its reader.
  std::optional<http::request_parser<http::buffer_body>> stream_parser_;
  std::optional<BodyReader> body_reader_;
  bool body_read_pending_ = false;  // a ReadBody is in flight
  uint64_t body_read_seq_ = 0;      // which ReadBody the body timer belongs to
  bool body_timed_out_ = false;     // a read of this body was cancelled for idleness
  // Only for streamed bodies: a request read whole never creates it.
  std::optional<net::steady_timer> body_timer_;
  bool linger_after_read_ = false;  // answered meanwhile: lingering close once it ends
  bool continue_pending_ = false;   // the client waits for "100 Continue"
  bool answered_ = false;           // the current request's answer has begun
  // A chunked answer is being written (SendStreamHead .. FinishStream/AbortStream): a streamed
  // body may still be read meanwhile (HTTP/1.1 lets a server answer before the body's end).
  bool answer_streaming_ = false;
  uint64_t body_limit_ = 0;        // the current request's body limit
  std::shared_ptr<void> pending_;  // keeps the response being written alive
  std::shared_ptr<const std::atomic<bool>> closing_;
  bool keep_alive_ = true;
  bool request_unread_ = false;  // answered before the whole request was read
  uint64_t discarded_ = 0;
  std::chrono::steady_clock::time_point linger_until_;
  bool client_gone_ = false;
  uint64_t stream_generation_ = 0;
  std::string tail_;
  std::vector<std::pair<std::string, std::string>> answer_headers_;
  std::string remote_address_;
  std::shared_ptr<std::atomic<int>> in_flight_;
  bool busy_ = false;
  uint64_t served_ = 0;
  void SetBusy(bool busy);
};

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_HTTP_SESSION_H_
