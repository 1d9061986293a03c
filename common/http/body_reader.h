// Reads a request body in bounded chunks after its header, one chunk per Next() call, so that
// an upload is taken from the socket only as fast as its consumer (the router call streaming
// it upstream) takes the chunks: TCP flow control slows the client, and at most one chunk
// (plus the read buffer) of the body is in memory at a time.
#ifndef LLMSROUTER_COMMON_HTTP_BODY_READER_H_
#define LLMSROUTER_COMMON_HTTP_BODY_READER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/http/http_types.h"

namespace llmsrouter::web {

class BodyReader {
 public:
  // `chunk`: the bytes read (at most the chunk size given to the constructor, never empty
  // unless `last`); `last`: the body is complete. A non-OK status ends the body:
  // RESOURCE_EXHAUSTED over the limit (answer 413), INVALID_ARGUMENT for broken framing,
  // UNAVAILABLE when the client went away or stopped sending (the upload is cancelled),
  // CANCELLED after Cancel().
  using Done = std::function<void(absl::Status status, std::string chunk, bool last)>;

  // `parser` has read the request's header, with no body limit of its own (the largest value:
  // Beast checks a declared length against it at the header). `stream`, `buffer` and `parser` must
  // outlive the reader and every read in flight. `limit`: most body bytes accepted (the endpoint's
  // limit); a declared Content-Length over it fails the first Next() without reading the body.
  BodyReader(beast::tcp_stream& stream, beast::flat_buffer& buffer,
             http::request_parser<http::buffer_body>& parser, uint64_t limit, size_t chunk_bytes);

  // Reads the next chunk; `done` runs on the stream's executor (never inside this call). One
  // Next() at a time; call it on the stream's executor.
  void Next(Done done);
  uint64_t received() const { return received_; }
  // Ends the read in flight (once the socket read under it ends: cancel that too) and every
  // later one with CANCELLED, without another socket read. On the stream's executor.
  void Cancel() { cancelled_ = true; }

 private:
  void ReadSome(std::shared_ptr<std::string> chunk, size_t filled, Done done);
  absl::Status OverLimit() const;
  static absl::Status Cancelled();

  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  const uint64_t limit_;
  const size_t chunk_bytes_;
  uint64_t received_ = 0;
  bool cancelled_ = false;
};

}  // namespace llmsrouter::web

#endif  // LLMSROUTER_COMMON_HTTP_BODY_READER_H_
