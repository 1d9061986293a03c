// BodyReader over a real loopback connection: an upload taken in bounded chunks (declared
// length and chunked), the endpoint's limit (declared, and crossed mid-stream), and a client
// that goes away mid-upload.
#include "common/http/body_reader.h"

#include <gtest/gtest.h>

#include <future>
#include <limits>
#include <optional>
#include <thread>

namespace llmsrouter::web {
namespace {

struct Outcome {
  absl::Status status;
  std::string body;
  size_t largest_chunk = 0;
  int chunks = 0;
};

// Serves one connection: reads the header, then the body through a BodyReader with `limit`
// and `chunk_bytes`, while a client thread writes `request` (then closes, when `close_early`,
// without the rest).
Outcome Upload(const std::string& request, uint64_t limit, size_t chunk_bytes) {
  net::io_context io;
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  std::thread client([&request, port = acceptor.local_endpoint().port()] {
    net::io_context client_io;
    net::ip::tcp::socket socket(client_io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    beast::error_code ec;  // the server may stop reading (over the limit): writes then fail
    net::write(socket, net::buffer(request), ec);
    socket.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  });
  beast::tcp_stream stream(acceptor.accept());
  beast::flat_buffer buffer;
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());  // the reader applies the limit
  Outcome outcome;
  std::unique_ptr<BodyReader> reader;
  std::function<void()> next;
  next = [&] {
    reader->Next([&](absl::Status status, std::string chunk, bool last) {
      outcome.status = status;
      outcome.largest_chunk = std::max(outcome.largest_chunk, chunk.size());
      outcome.chunks += chunk.empty() ? 0 : 1;
      outcome.body += chunk;
      if (!last) next();
    });
  };
  http::async_read_header(stream, buffer, parser, [&](beast::error_code ec, size_t) {
    ASSERT_FALSE(ec) << ec.message();
    reader = std::make_unique<BodyReader>(stream, buffer, parser, limit, chunk_bytes);
    next();
  });
  io.run_for(std::chrono::seconds(30));
  stream.close();
  client.join();
  return outcome;
}

std::string Pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i * 131 + 7);
  return out;
}

std::string Head(std::string_view framing) {
  return "POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
         "boundary=x\r\n" +
         std::string(framing) + "\r\n\r\n";
}

std::string Chunked(const std::string& body, size_t piece) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    char size[32];
    snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST(BodyReaderTest, ReadsADeclaredLengthBodyInBoundedChunks) {
  std::string body = Pattern(5 << 20);
  Outcome got =
      Upload(Head("Content-Length: " + std::to_string(body.size())) + body, 8 << 20, 64 << 10);
  EXPECT_TRUE(got.status.ok()) << got.status;
  EXPECT_TRUE(got.body == body) << "got " << got.body.size() << " bytes";
  EXPECT_LE(got.largest_chunk, size_t{64 << 10});
  EXPECT_GE(got.chunks, 80);
}

TEST(BodyReaderTest, ReadsAChunkedBody) {
  std::string body = Pattern(1 << 20);
  Outcome got = Upload(Head("Transfer-Encoding: chunked") + Chunked(body, 7000), 2 << 20, 50000);
  EXPECT_TRUE(got.status.ok()) << got.status;
  EXPECT_TRUE(got.body == body) << "got " << got.body.size() << " bytes";
  EXPECT_LE(got.largest_chunk, size_t{50000});
}

TEST(BodyReaderTest, RefusesADeclaredLengthOverTheLimitBeforeReadingIt) {
  Outcome got = Upload(Head("Content-Length: 2000") + std::string(2000, 'a'), 1000, 512);
  EXPECT_EQ(got.status.code(), absl::StatusCode::kResourceExhausted) << got.status;
  EXPECT_NE(got.status.message().find("limit of 1000 bytes"), std::string::npos);
  EXPECT_EQ(got.body, "");
}

TEST(BodyReaderTest, StopsAChunkedBodyThatCrossesTheLimitMidStream) {
  std::string body = Pattern(300000);
  Outcome got = Upload(Head("Transfer-Encoding: chunked") + Chunked(body, 10000), 100000, 8192);
  EXPECT_EQ(got.status.code(), absl::StatusCode::kResourceExhausted) << got.status;
  EXPECT_LE(got.body.size(), size_t{100000});
  EXPECT_GT(got.body.size(), size_t{0});
}

TEST(BodyReaderTest, AClientGoneMidUploadIsUnavailable) {
  std::string body = Pattern(100000);
  Outcome got = Upload(Head("Content-Length: 200000") + body, 1 << 20, 8192);
  EXPECT_EQ(got.status.code(), absl::StatusCode::kUnavailable) << got.status;
  EXPECT_TRUE(got.body == body) << "got " << got.body.size() << " bytes";
}

TEST(BodyReaderTest, MalformedChunkFramingIsInvalidArgument) {
  Outcome got = Upload(Head("Transfer-Encoding: chunked") + "zz\r\nabc\r\n0\r\n\r\n", 1000, 64);
  EXPECT_EQ(got.status.code(), absl::StatusCode::kInvalidArgument) << got.status;
}

// Cancel() while a read is out, then bytes that give no body byte (a chunk header): the read
// ends CANCELLED without another socket read (before, the reader read again and waited for
// the client, whose body would never come: the session's lingering close waited for a
// timeout).
TEST(BodyReaderCancelTest, ACancelledReadEndsWithoutReadingAgain) {
  net::io_context io;
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  std::promise<void> cancelled;
  std::promise<void> finished;
  std::thread client([&, port = acceptor.local_endpoint().port()] {
    net::io_context client_io;
    net::ip::tcp::socket socket(client_io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    net::write(socket, net::buffer(Head("Transfer-Encoding: chunked")));
    cancelled.get_future().wait_for(std::chrono::seconds(10));
    net::write(socket, net::buffer(std::string("5\r\n")));
    finished.get_future().wait_for(std::chrono::seconds(10));  // open until the server is done
  });
  beast::tcp_stream stream(acceptor.accept());
  beast::flat_buffer buffer;
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  std::unique_ptr<BodyReader> reader;
  std::optional<absl::Status> outcome;
  http::async_read_header(stream, buffer, parser, [&](beast::error_code ec, size_t) {
    ASSERT_FALSE(ec) << ec.message();
    reader = std::make_unique<BodyReader>(stream, buffer, parser, 1 << 20, 64 << 10);
    reader->Next([&](absl::Status status, std::string, bool) { outcome = status; });
    reader->Cancel();  // the socket read under it is not cancelled: the bytes will come
    cancelled.set_value();
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!outcome && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  finished.set_value();
  ASSERT_TRUE(outcome.has_value()) << "the cancelled read went on reading";
  EXPECT_TRUE(absl::IsCancelled(*outcome)) << *outcome;
  stream.close();
  client.join();
}

}  // namespace
}  // namespace llmsrouter::web
