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

#include "absl/time/time.h"
#include "common/http/http_types.h"

namespace llmsrouter::web {

struct HttpLimits {
  uint64_t max_body_bytes = 32 << 20;
  uint32_t max_header_bytes = 16 << 10;
  absl::Duration keep_alive_timeout = absl::Seconds(75);
  absl::Duration header_timeout = absl::Seconds(30);
  // A client that takes longer than this to accept one write (it stopped reading its
  // stream) is dropped, and its upstream call cancelled.
  absl::Duration write_timeout = absl::Seconds(120);
};

class HttpSession;

// Handles one parsed request. Called on the session's executor; must eventually answer
// through exactly one of SendResponse or SendStreamHead ... FinishStream.
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
  // answered.
  void WatchForDisconnect(std::function<void()> on_gone);
  bool client_gone() const { return client_gone_; }
  // The peer's IP address ("" if unknown).
  const std::string& remote_address() const { return remote_address_; }

 private:
  void DoRead();
  void OnRead(beast::error_code ec);
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
  std::shared_ptr<void> pending_;  // keeps the response being written alive
  std::shared_ptr<const std::atomic<bool>> closing_;
  bool keep_alive_ = true;
  bool request_unread_ = false;  // answered before the whole request was read
  uint64_t discarded_ = 0;
  std::chrono::steady_clock::time_point linger_until_;
  bool client_gone_ = false;
  uint64_t stream_generation_ = 0;
  std::string tail_;
  std::string remote_address_;
  std::shared_ptr<std::atomic<int>> in_flight_;
  bool busy_ = false;
  uint64_t served_ = 0;
  void SetBusy(bool busy);
};

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_HTTP_SESSION_H_
