#include "common/http/http_session.h"

#include <sys/socket.h>

#include <limits>

#include "common/http/responses.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/strings.h"

namespace llmsrouter::web {
namespace {

std::chrono::milliseconds ToChrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

// Lingering close: how long, how long without a byte, and how much to discard at most.
constexpr absl::Duration kLingerTime = absl::Seconds(10);
constexpr absl::Duration kLingerIdle = absl::Seconds(2);
constexpr uint64_t kLingerMaxBytes = 256ull << 20;
// A streamed body is read in chunks of at most this.
constexpr size_t kBodyChunkBytes = 64 << 10;
constexpr size_t kFirstReadBytes = 4 << 10;
// A cancelled body read still out after this is cancelled again (CancelBodyRead).
constexpr absl::Duration kCancelRetry = absl::Milliseconds(20);

// A write that failed: the client is gone. When it timed out, the client stopped reading.
void NoteWriteError(beast::error_code ec) {
  if (ec != beast::error::timeout) return;
  static Counter& timeouts = MetricsRegistry::Global().GetCounter(
      "llmsrouter_http_write_timeouts_total",
      "Connections dropped because the client stopped reading (--write-timeout).");
  timeouts.Inc();
  Log(LogLevel::kWarning, "gateway", "client stopped reading; connection dropped");
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, const HttpLimits& limits,
                         RequestHandler handler, std::shared_ptr<std::atomic<int>> in_flight,
                         std::shared_ptr<const std::atomic<bool>> closing)
    : stream_(std::move(socket)),
      limits_(limits),
      handler_(std::move(handler)),
      in_flight_(std::move(in_flight)),
      closing_(std::move(closing)) {
  beast::error_code ec;
  stream_.socket().set_option(net::ip::tcp::no_delay(true), ec);
  // Room for a typical API request (header and JSON body) in one read: the buffer grows
  // only as much as each read needs, from 512 bytes (ReserveForBody).
  buffer_.reserve(kFirstReadBytes);
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

HttpSession::~HttpSession() { SetBusy(false); }

void HttpSession::SetBusy(bool busy) {
  if (busy == busy_ || !in_flight_) return;
  busy_ = busy;
  in_flight_->fetch_add(busy ? 1 : -1);
}

void HttpSession::Run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::DoRead() {
  body_reader_.reset();
  stream_parser_.reset();
  parser_.emplace();
  // No limit while the header is parsed (Beast would refuse a declared length over it there):
  // the header says which limit applies (OnHeader).
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  parser_->header_limit(limits_.max_header_bytes);
  // A new connection must send its request promptly (slow-loris); a kept-alive one may idle.
  bool waiting_for_first = served_ == 0 || buffer_.size() > 0;
  stream_.expires_after(
      ToChrono(waiting_for_first ? limits_.header_timeout : limits_.keep_alive_timeout));
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void HttpSession::OnHeader(beast::error_code ec) {
  if (ec) {
    OnRead(ec);
    return;
  }
  uint64_t streamed = limits_.streamed_body_limit ? limits_.streamed_body_limit(parser_->get()) : 0;
  body_limit_ = streamed > 0 ? streamed : limits_.max_body_bytes;
  if (auto length = parser_->content_length(); length && *length > body_limit_) {
    OnRead(http::error::body_limit);  // refused before reading the body
    return;
  }
  if (streamed > 0) {
    StartStreamedBody();
    return;
  }
  parser_->body_limit(body_limit_);
  ReadWholeBody();
}

void HttpSession::ReadWholeBody() {
  beast::error_code ec;
  parser_->eager(true);
  while (!parser_->is_done() && buffer_.size() > 0) {
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) ec = {};
    if (ec || used == 0) break;
  }
  if (ec || parser_->is_done()) {
    OnRead(ec);
    return;
  }
  continue_pending_ = beast::iequals(parser_->get()[http::field::expect], "100-continue");
  SendContinue();
  ReserveForBody();
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
}

// Beast reads max(512, free capacity) bytes at a time, and a flat_buffer grows only as much
// as it must: without room made here a body would be read ~512 bytes per system call (a
// streamed upload went over gRPC in 535-byte messages, 30 times slower than its provider).
void HttpSession::ReserveForBody() {
  if (buffer_.capacity() - buffer_.size() < kBodyChunkBytes) {
    buffer_.reserve(buffer_.size() + kBodyChunkBytes);
  }
}

void HttpSession::StartStreamedBody() {
  stream_parser_.emplace(std::move(*parser_));
  parser_.reset();
  ReserveForBody();
  body_reader_.emplace(stream_, buffer_, *stream_parser_, body_limit_, kBodyChunkBytes);
  body_timed_out_ = false;
  continue_pending_ = beast::iequals(stream_parser_->get()[http::field::expect], "100-continue");
  http::request_header<> header = stream_parser_->get().base();
  Deliver(HttpRequest(std::move(header)), !stream_parser_->is_done());
}

// Written straight to the socket, without waiting: a client waiting for it has nothing unread
// in flight, so 25 bytes fit its send buffer. When they do not (a client that stopped reading
// earlier answers), it is skipped: the client sends after its own wait (RFC 9110 10.1.1).
void HttpSession::SendContinue() {
  if (!continue_pending_) return;
  continue_pending_ = false;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  ssize_t n = ::send(stream_.socket().native_handle(), kContinue.data(), kContinue.size(),
                     MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n > 0 && static_cast<size_t>(n) < kContinue.size()) Close();  // a torn interim answer
}

void HttpSession::ReadBody(BodyReader::Done done) {
  if (!body_reader_ || (answered_ && !answer_streaming_) || body_read_pending_) {
    net::post(stream_.get_executor(), [done = std::move(done)] {
      done(absl::FailedPreconditionError("the request body is no longer read"), "", true);
    });
    return;
  }
  SendContinue();
  body_read_pending_ = true;
  ++body_read_seq_;
  // The stream's own read timer, which closes the socket, is off (a write in flight keeps its
  // own); the body timer only cancels the read, so a 408 can still be sent.
  stream_.expires_never();
  ArmBodyTimer(limits_.body_idle_timeout);
  body_reader_->Next([self = shared_from_this(), done = std::move(done)](
                         absl::Status status, std::string chunk, bool last) {
    self->body_read_pending_ = false;
    self->body_timer_->cancel();
    // Sticky: a read whose bytes came with the timeout still gets them, and the reads after it
    // (the reader is cancelled) fail as timed out.
    if (self->body_timed_out_ && !status.ok()) {
      status = absl::DeadlineExceededError(
          StrCat("no request body bytes arrived for ",
                 absl::ToInt64Milliseconds(self->limits_.body_idle_timeout), " ms"));
    }
    if (status.ok() && last) self->request_unread_ = false;
    if (self->linger_after_read_) {  // answered while this read was out (AfterResponse)
      self->linger_after_read_ = false;
      if (self->request_unread_) {
        self->LingerThenClose();
      } else {
        self->Close();
      }
    }
    done(std::move(status), std::move(chunk), last);
  });
}

void HttpSession::ArmBodyTimer(absl::Duration after) {
  if (!body_timer_) body_timer_.emplace(stream_.get_executor());
  body_timer_->expires_after(ToChrono(after));
  body_timer_->async_wait([self = shared_from_this(), seq = body_read_seq_](beast::error_code ec) {
    if (ec || !self->body_read_pending_ || seq != self->body_read_seq_) return;
    if (!self->linger_after_read_) self->body_timed_out_ = true;
    self->CancelBodyRead();
  });
}

// socket.cancel() misses a read whose bytes had already arrived when it ran (its handler was
// queued): the reader's own loop is stopped by BodyReader::Cancel, and Beast's (a partial
// chunk header makes it read again) by cancelling again shortly while the read is still out.
void HttpSession::CancelBodyRead() {
  body_reader_->Cancel();
  beast::error_code ignored;
  stream_.socket().cancel(ignored);
  ArmBodyTimer(kCancelRetry);
}

// The request's target, for the error shape: from the parser once it has the request line,
// else from the request line still in the read buffer (a header over the limit is refused
// unparsed).
std::string_view HttpSession::RequestTarget() const {
  if (parser_ && !parser_->get().target().empty()) {
    auto target = parser_->get().target();
    return {target.data(), target.size()};
  }
  auto data = buffer_.data();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  text = text.substr(0, text.find("\r\n"));
  size_t start = text.find(' ');
  if (start == std::string_view::npos) return "";
  size_t end = text.find(' ', start + 1);
  if (end == std::string_view::npos) return "";
  return text.substr(start + 1, end - start - 1);
}

void HttpSession::OnRead(beast::error_code ec) {
  if (ec && ec != http::error::end_of_stream && ec != beast::error::timeout &&
      ec != net::error::connection_reset && ec != net::error::eof) {
    request_unread_ = true;  // the rest of the request may still be on its way
  }
  if (ec == http::error::body_limit) {
    keep_alive_ = false;
    SendResponse(ErrorResponseFor(
        RequestTarget(), 413, StrCat("request body exceeds the limit of ", body_limit_, " bytes"),
        "request_too_large"));
    return;
  }
  if (ec == http::error::header_limit) {
    keep_alive_ = false;
    SendResponse(ErrorResponseFor(RequestTarget(), 431, "request headers are too large"));
    return;
  }
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::connection_reset || ec == net::error::eof) {
    Close();
    return;
  }
  if (ec) {
    keep_alive_ = false;
    SendResponse(ErrorResponse(400, StrCat("malformed HTTP request: ", ec.message())));
    return;
  }
  Deliver(parser_->release(), false);
}

void HttpSession::Deliver(HttpRequest request, bool body_unread) {
  stream_.expires_never();
  ++served_;
  SetBusy(true);
  answered_ = false;
  answer_streaming_ = false;
  answer_headers_.clear();
  request_unread_ = body_unread;
  keep_alive_ = request.keep_alive() && !(closing_ && closing_->load(std::memory_order_relaxed));
  handler_(shared_from_this(), std::move(request));
}

void HttpSession::SendResponse(HttpResponse response) {
  ++stream_generation_;
  answered_ = true;
  if (request_unread_) keep_alive_ = false;  // never reuse a connection with a body half-read
  for (auto& [name, value] : answer_headers_) response.set(name, value);
  response.keep_alive(keep_alive_);
  auto owned = std::make_shared<HttpResponse>(std::move(response));
  pending_ = owned;
  stream_.expires_after(ToChrono(limits_.write_timeout));
  http::async_write(stream_, *owned,
                    [self = shared_from_this(), keep = owned->keep_alive()](
                        beast::error_code ec, size_t) { self->AfterResponse(keep, ec); });
}

void HttpSession::AfterResponse(bool keep_alive, beast::error_code ec) {
  NoteWriteError(ec);
  pending_.reset();
  SetBusy(false);
  if (!ec && request_unread_) {
    if (body_read_pending_) {  // end that read first; its completion lingers (ReadBody)
      linger_after_read_ = true;
      CancelBodyRead();
      return;
    }
    LingerThenClose();
    return;
  }
  if (ec || !keep_alive) {
    Close();
    return;
  }
  DoRead();
}

void HttpSession::LingerThenClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  linger_until_ = std::chrono::steady_clock::now() + ToChrono(kLingerTime);
  DiscardInput();
}

void HttpSession::DiscardInput() {
  auto now = std::chrono::steady_clock::now();
  if (discarded_ >= kLingerMaxBytes || now >= linger_until_) {
    Close();
    return;
  }
  stream_.expires_after(
      std::min<std::chrono::steady_clock::duration>(ToChrono(kLingerIdle), linger_until_ - now));
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(64 << 10),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->discarded_ += n;
                            if (ec) {
                              self->Close();
                              return;
                            }
                            self->DiscardInput();
                          });
}

void HttpSession::SendStreamHead(http::response<http::empty_body> head, Done done) {
  answered_ = true;
  answer_streaming_ = true;
  continue_pending_ = false;  // a final answer went first: no interim one may follow
  if (request_unread_) keep_alive_ = false;
  for (auto& [name, value] : answer_headers_) head.set(name, value);
  head.keep_alive(keep_alive_);
  head.chunked(true);
  auto owned = std::make_shared<http::response<http::empty_body>>(std::move(head));
  auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*owned);
  pending_ = owned;
  stream_.expires_after(ToChrono(limits_.write_timeout));
  http::async_write_header(stream_, *serializer,
                           [self = shared_from_this(), owned, serializer, done = std::move(done)](
                               beast::error_code ec, size_t) {
                             if (ec) {
                               NoteWriteError(ec);
                               self->client_gone_ = true;
                             }
                             done(!ec);
                           });
}

void HttpSession::SendChunk(std::string_view data, Done done) {
  if (client_gone_) {
    done(false);
    return;
  }
  stream_.expires_after(ToChrono(limits_.write_timeout));
  net::async_write(
      stream_, http::make_chunk(net::const_buffer(data.data(), data.size())),
      [self = shared_from_this(), done = std::move(done)](beast::error_code ec, size_t) {
        if (ec) {
          NoteWriteError(ec);
          self->client_gone_ = true;
        }
        done(!ec);
      });
}

void HttpSession::FinishStream(std::string tail, bool reuse) {
  ++stream_generation_;
  answer_streaming_ = false;
  pending_.reset();
  if (client_gone_) {
    Close();
    return;
  }
  tail_ = std::move(tail);
  auto finish = [self = shared_from_this(), reuse](beast::error_code ec, size_t) {
    self->AfterResponse(reuse && self->keep_alive_, ec);
  };
  stream_.expires_after(ToChrono(limits_.write_timeout));
  if (tail_.empty()) {
    net::async_write(stream_, http::make_chunk_last(), std::move(finish));
    return;
  }
  net::async_write(stream_, http::make_chunk(net::buffer(tail_)),
                   [self = shared_from_this(), finish](beast::error_code ec, size_t n) {
                     if (ec) {
                       finish(ec, n);
                       return;
                     }
                     net::async_write(self->stream_, http::make_chunk_last(), finish);
                   });
}

void HttpSession::AbortStream() {
  ++stream_generation_;
  answer_streaming_ = false;
  pending_.reset();
  SetBusy(false);
  Close();
}

void HttpSession::WatchForDisconnect(std::function<void()> on_gone) {
  if (body_pending()) return;  // the body's own bytes would wake it
  ArmWatch(stream_generation_, std::make_shared<std::function<void()>>(std::move(on_gone)));
}

void HttpSession::ArmWatch(uint64_t generation, std::shared_ptr<std::function<void()>> on_gone) {
  stream_.socket().async_wait(
      net::socket_base::wait_read,
      [self = shared_from_this(), generation, on_gone = std::move(on_gone)](beast::error_code ec) {
        if (generation != self->stream_generation_) return;
        char byte;
        ssize_t n =
            ec ? 0
               : ::recv(self->stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n > 0) return;  // a pipelined request, not a disconnect
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          self->ArmWatch(generation, on_gone);  // a spurious wake-up: keep watching
          return;
        }
        self->client_gone_ = true;
        (*on_gone)();
      });
}

void HttpSession::Close() {
  if (body_timer_) body_timer_->cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace llmsrouter::web
