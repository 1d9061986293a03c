// The pieces of a streamed upload composed in one process: a client sends 200 MB to an HTTP
// edge that reads it in bounded chunks (BodyReader), hands them to an UploadPipe, and
// CurlHttpClient streams them to a loopback upstream that hashes what it receives. The
// upstream gets every byte intact, and resident memory grows far less than the body's size.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <limits>
#include <thread>

#include "common/http/body_reader.h"
#include "services/router/curl_http_client.h"
#include "services/router/testing/read_body_in_pieces.h"
#include "services/router/upload_pipe.h"

namespace llmsrouter::router {
namespace {

namespace net = web::net;
namespace beast = web::beast;
namespace http = web::http;

constexpr uint64_t kTotal = 200'000'000;
constexpr size_t kWindow = 256 << 10;  // the pipe fills often: flow control at work

uint64_t Fnv(uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}
constexpr uint64_t kFnvStart = 14695981039346656037ull;

char PatternByte(uint64_t i) { return static_cast<char>((i * 2654435761u) >> 13); }

// VmHWM or VmRSS of this process, in bytes.
uint64_t MemoryOf(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) << 10;
  }
  return 0;
}

// Reads one request with a bounded buffer and hashes its body as it comes; answers 200.
void ServeUpstream(net::ip::tcp::acceptor& acceptor, uint64_t* size, uint64_t* hash) {
  beast::error_code ec;
  net::ip::tcp::socket socket = acceptor.accept(ec);
  if (ec) return;
  beast::flat_buffer buffer;
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  http::read_header(socket, buffer, parser, ec);
  if (!ec) {
    ec = testing::ReadBodyInPieces(socket, buffer, parser, [&](std::string_view got) {
      *size += got.size();
      *hash = Fnv(*hash, got);
    });
  }
  std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  net::write(socket, net::buffer(answer), ec);
}

class Done : public HttpResponseHandler {
 public:
  void OnHeaders(int status, HeaderList) override { status_ = status; }
  bool OnData(std::string_view) override { return true; }
  void OnComplete(absl::Status status) override { done_.set_value(std::move(status)); }
  int status_ = 0;
  std::promise<absl::Status> done_;
};

TEST(UploadChainTest, TwoHundredMegabytesStreamIntactInBoundedMemory) {
  net::io_context io;  // the edge's loop
  net::ip::tcp::acceptor edge(io, {net::ip::make_address("127.0.0.1"), 0});
  net::ip::tcp::acceptor upstream(io, {net::ip::make_address("127.0.0.1"), 0});
  uint64_t sent_hash = kFnvStart, got_size = 0, got_hash = kFnvStart;
  std::thread upstream_thread([&] { ServeUpstream(upstream, &got_size, &got_hash); });
  std::thread client([&sent_hash, port = edge.local_endpoint().port()] {
    net::io_context client_io;
    net::ip::tcp::socket socket(client_io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    std::string piece =
        "POST /v1/files HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kTotal) +
        "\r\n\r\n";
    beast::error_code ec;
    net::write(socket, net::buffer(piece), ec);
    for (uint64_t at = 0; at < kTotal && !ec; at += piece.size()) {
      piece.resize(std::min<uint64_t>(1 << 20, kTotal - at));
      for (size_t i = 0; i < piece.size(); ++i) piece[i] = PatternByte(at + i);
      sent_hash = Fnv(sent_hash, piece);
      net::write(socket, net::buffer(piece), ec);
    }
  });

  LoopPool pool(1, "chain-curl");
  CurlHttpClient curl(pool.loop(0));
  Done done;
  beast::tcp_stream stream(edge.accept());
  beast::flat_buffer buffer;
  http::request_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  http::read_header(stream, buffer, parser);
  // Everything set up (threads, curl): from here on, growth is what the upload costs.
  std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS
  const uint64_t rss_before = MemoryOf("VmRSS");
  web::BodyReader reader(stream, buffer, parser, kTotal, 64 << 10);
  // The edge's loop stays up while the reader waits for the pipe's `on_space` (no read in
  // flight then); released when the body ended.
  auto busy = net::make_work_guard(io);
  std::function<void()> next;
  auto pipe = std::make_shared<UploadPipe>(kWindow, [&] { net::post(io, [&] { next(); }); });
  size_t peak = 0;
  next = [&] {
    reader.Next([&](absl::Status status, std::string chunk, bool last) {
      if (!status.ok()) {
        ADD_FAILURE() << status;
        busy.reset();
        return pipe->Abort(status);  // the transfer ends with it
      }
      bool room = pipe->Push(std::move(chunk));
      peak = std::max(peak, pipe->buffered());
      if (last) {
        busy.reset();
        return pipe->Finish();
      }
      if (room) next();
    });
  };
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(upstream.local_endpoint().port()) + "/up";
  request.body_source = pipe;
  request.body_size = kTotal;
  auto transfer = curl.Start(std::move(request), &done);
  next();
  io.run();
  absl::Status status = done.done_.get_future().get();
  client.join();
  upstream_thread.join();
  pool.RunOnEach([&](IoLoop&) { curl.Shutdown(); });
  pool.Stop();

  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(done.status_, 200);
  EXPECT_EQ(got_size, kTotal);
  EXPECT_EQ(got_hash, sent_hash);
  EXPECT_LE(peak, kWindow + (64 << 10));
  const uint64_t growth = MemoryOf("VmHWM") - rss_before;
#if !defined(__SANITIZE_ADDRESS__)  // ASan keeps freed chunks in its quarantine
  EXPECT_LT(growth, uint64_t{64} << 20) << "peak RSS grew by " << growth << " bytes";
#endif
  std::cerr << "[ chain ] peak RSS growth " << (growth >> 10) << " KiB for " << kTotal
            << " bytes\n";
}

}  // namespace
}  // namespace llmsrouter::router
