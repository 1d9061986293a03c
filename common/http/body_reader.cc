#include "common/http/body_reader.h"

#include <memory>

#include "common/strings.h"

namespace llmsrouter::web {

BodyReader::BodyReader(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                       http::request_parser<http::buffer_body>& parser, uint64_t limit,
                       size_t chunk_bytes)
    : stream_(stream),
      buffer_(buffer),
      parser_(parser),
      limit_(limit),
      chunk_bytes_(std::max<size_t>(chunk_bytes, 1)) {
  parser_.body_limit(limit_);  // chunked bodies: refused at the chunk header over the limit
}

absl::Status BodyReader::OverLimit() const {
  return absl::ResourceExhaustedError(
      StrCat("request body exceeds this endpoint's limit of ", limit_, " bytes"));
}

absl::Status BodyReader::Cancelled() {
  return absl::CancelledError("the request body is no longer read");
}

void BodyReader::Next(Done done) {
  if (cancelled_) {
    net::post(stream_.get_executor(), [done = std::move(done)] { done(Cancelled(), "", true); });
    return;
  }
  auto length = parser_.content_length();
  if ((length && *length > limit_) || received_ > limit_) {
    net::post(stream_.get_executor(),
              [done = std::move(done), status = OverLimit()] { done(status, "", true); });
    return;
  }
  if (parser_.is_done()) {
    net::post(stream_.get_executor(),
              [done = std::move(done)] { done(absl::OkStatus(), "", true); });
    return;
  }
  ReadSome(std::make_shared<std::string>(chunk_bytes_, '\0'), 0, std::move(done));
}

// Reads until the chunk is full, the body ends, or at least one byte came (a chunked
// body's framing may take a read that yields no byte).
void BodyReader::ReadSome(std::shared_ptr<std::string> chunk, size_t filled, Done done) {
  auto& body = parser_.get().body();
  body.data = chunk->data() + filled;
  body.size = chunk->size() - filled;
  body.more = true;
  http::async_read_some(
      stream_, buffer_, parser_,
      [this, chunk, filled, done = std::move(done)](beast::error_code ec, size_t) mutable {
        size_t now = chunk->size() - parser_.get().body().size;
        received_ += now - filled;
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::body_limit || received_ > limit_) {
          return done(OverLimit(), "", true);
        }
        if (cancelled_ && (ec || (now == 0 && !parser_.is_done()))) {
          return done(Cancelled(), "", true);
        }
        if (ec) {
          bool gone = ec == http::error::partial_message || ec == net::error::eof ||
                      ec == net::error::connection_reset || ec == beast::error::timeout;
          return done(gone ? absl::UnavailableError(
                                 "the client stopped sending the request body before its end")
                           : absl::InvalidArgumentError(
                                 StrCat("malformed HTTP request body: ", ec.message())),
                      "", true);
        }
        bool last = parser_.is_done();
        if (now == 0 && !last) return ReadSome(std::move(chunk), now, std::move(done));
        chunk->resize(now);
        done(absl::OkStatus(), std::move(*chunk), last);
      });
}

}  // namespace llmsrouter::web
