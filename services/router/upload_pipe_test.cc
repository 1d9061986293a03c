// Streamed uploads: UploadPipe's flow control, and CurlHttpClient pulling a body through
// CURLOPT_READFUNCTION (pausing when the pipe is empty, resumed on its loop when a chunk
// comes) against a real loopback HTTP server that records what it received.
#include "services/router/upload_pipe.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <string>
#include <thread>

#include "services/router/curl_http_client.h"

namespace llmsrouter::router {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

// What the loopback server got: the body bytes, its framing, and whether it was whole.
struct Received {
  bool arrived = false;
  std::string body;
  std::string content_length;
  std::string transfer_encoding;
  bool complete = false;
};

// Reads one whole request per connection (Content-Length or chunked) and answers 200 with
// the body's size; a request cut short is recorded as incomplete.
class RecordingServer {
 public:
  RecordingServer() {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~RecordingServer() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
    // ... or a read of a request that will never end (a failed test).
    if (int fd = socket_fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/v1/files";
  }
  // The request the server read (or gave up on); `arrived` false when none came in 30 s.
  Received Next() {
    auto got = received_.get_future();
    if (got.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return {};
    return got.get();
  }

 private:
  void Serve() {
    boost::system::error_code ec;
    asio::ip::tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec) return;
    boost::beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{1} << 40);
    socket_fd_ = socket.native_handle();
    bhttp::read(socket, buffer, parser, ec);
    Received got;
    got.arrived = true;
    got.complete = !ec;
    got.body = std::move(parser.get().body());
    got.content_length = std::string(parser.get()[bhttp::field::content_length]);
    got.transfer_encoding = std::string(parser.get()[bhttp::field::transfer_encoding]);
    if (got.complete) {
      std::string size = std::to_string(got.body.size());
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size.size()) +
                           "\r\nConnection: close\r\n\r\n" + size;
      asio::write(socket, asio::buffer(answer), ec);
    }
    received_.set_value(std::move(got));
  }
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::promise<Received> received_;
  std::atomic<int> socket_fd_{-1};
  std::thread thread_;
};

class Answer : public HttpResponseHandler {
 public:
  void OnHeaders(int status, HeaderList) override { status_ = status; }
  bool OnData(std::string_view bytes) override {
    body_.append(bytes);
    return true;
  }
  void OnComplete(absl::Status status) override { done_.set_value(std::move(status)); }
  absl::Status Wait() { return done_.get_future().get(); }
  int status_ = 0;
  std::string body_;
  std::promise<absl::Status> done_;
};

// A producer that pushes while the pipe has room and otherwise waits for on_space.
class Producer {
 public:
  void OnSpace() {
    absl::MutexLock lock(&mu_);
    space_ = true;
  }
  // Pushes `total` bytes of a pattern in `chunk`-byte pieces; records the most bytes that
  // ever waited in the pipe. False when on_space did not come within 10 s.
  bool Run(UploadPipe& pipe, size_t total, size_t chunk) {
    for (size_t sent = 0; sent < total;) {
      std::string piece(std::min(chunk, total - sent), '\0');
      for (size_t i = 0; i < piece.size(); ++i) piece[i] = static_cast<char>((sent + i) * 131);
      sent += piece.size();
      {
        absl::MutexLock lock(&mu_);
        space_ = false;
      }
      bool room = pipe.Push(std::move(piece));
      peak_ = std::max(peak_, pipe.buffered());
      if (!room) {
        absl::MutexLock lock(&mu_);
        if (!mu_.AwaitWithTimeout(absl::Condition(&space_), absl::Seconds(10))) return false;
      }
    }
    pipe.Finish();
    return true;
  }
  size_t peak_ = 0;

 private:
  absl::Mutex mu_;
  bool space_ ABSL_GUARDED_BY(mu_) = false;
};

std::string Pattern(size_t total) {
  std::string out(total, '\0');
  for (size_t i = 0; i < total; ++i) out[i] = static_cast<char>(i * 131);
  return out;
}

TEST(UploadPipeTest, HandsOverBytesInOrderAndAsksForMoreAtHalfTheWindow) {
  int spaces = 0;
  UploadPipe pipe(8, [&spaces] { ++spaces; });
  int wakes = 0;
  pipe.SetWake([&wakes] { ++wakes; });
  char out[16];
  EXPECT_EQ(pipe.ReadInto(out, 16).kind, RequestBodySource::Read::kWait);
  EXPECT_FALSE(pipe.started());
  EXPECT_TRUE(pipe.Push("abc"));
  EXPECT_EQ(wakes, 1);               // the consumer was waiting
  EXPECT_FALSE(pipe.Push("defgh"));  // 8 bytes wait: the producer must stop
  EXPECT_EQ(wakes, 1);
  auto read = pipe.ReadInto(out, 2);
  EXPECT_EQ(std::string(out, read.bytes), "ab");
  EXPECT_EQ(spaces, 0);  // 6 still wait: more than half the window
  read = pipe.ReadInto(out, 16);
  EXPECT_EQ(std::string(out, read.bytes), "cdefgh");
  EXPECT_EQ(spaces, 1);
  EXPECT_TRUE(pipe.started());
  pipe.Finish();
  EXPECT_EQ(pipe.ReadInto(out, 16).kind, RequestBodySource::Read::kEnd);
}

TEST(UploadPipeTest, AbortWakesTheConsumerAndDropsWhatWaits) {
  UploadPipe pipe(64, nullptr);
  int wakes = 0;
  pipe.SetWake([&wakes] { ++wakes; });
  char out[4];
  EXPECT_EQ(pipe.ReadInto(out, 4).kind, RequestBodySource::Read::kWait);
  pipe.Abort(absl::ResourceExhaustedError("over the limit"));
  EXPECT_EQ(wakes, 1);
  EXPECT_FALSE(pipe.Push("late"));
  EXPECT_EQ(pipe.ReadInto(out, 4).kind, RequestBodySource::Read::kAbort);
  EXPECT_EQ(pipe.AbortStatus().code(), absl::StatusCode::kResourceExhausted);
  pipe.Finish();  // after an abort: still aborted
  EXPECT_EQ(pipe.ReadInto(out, 4).kind, RequestBodySource::Read::kAbort);
}

class CurlUploadTest : public ::testing::Test {
 protected:
  ~CurlUploadTest() override {
    pool_.RunOnEach([this](IoLoop&) { client_.Shutdown(); });
    pool_.Stop();
  }
  std::unique_ptr<HttpTransfer> Start(const std::string& url, std::shared_ptr<UploadPipe> pipe,
                                      int64_t size,
                                      absl::Duration idle_timeout = absl::Seconds(120)) {
    HttpRequest request;
    request.url = url;
    request.body_source = std::move(pipe);
    request.body_size = size;
    request.idle_timeout = idle_timeout;
    return client_.Start(std::move(request), &answer_);
  }
  // The upstream got a connection and a request that ended before its body did.
  static void ExpectCutShort(RecordingServer& server) {
    Received got = server.Next();
    EXPECT_TRUE(got.arrived);
    EXPECT_FALSE(got.complete);
  }
  Answer answer_;  // outlives the loop
  Producer producer_;
  LoopPool pool_{1, "upload-test"};
  CurlHttpClient client_{pool_.loop(0)};
};

// 16 MiB through a 256 KiB window: curl pauses and resumes many times; the server gets every
// byte; the pipe never holds more than its window plus one chunk.
TEST_F(CurlUploadTest, StreamsAKnownLengthBodyThroughABoundedWindow) {
  constexpr size_t kTotal = 16 << 20, kWindow = 256 << 10, kChunk = 64 << 10;
  RecordingServer server;
  auto pipe = std::make_shared<UploadPipe>(kWindow, [this] { producer_.OnSpace(); });
  auto transfer = Start(server.url(), pipe, kTotal);
  ASSERT_TRUE(producer_.Run(*pipe, kTotal, kChunk));
  Received got = server.Next();
  ASSERT_TRUE(got.arrived);
  EXPECT_TRUE(got.complete);
  EXPECT_EQ(got.content_length, std::to_string(kTotal));
  EXPECT_TRUE(got.body == Pattern(kTotal)) << "body differs; size " << got.body.size();
  EXPECT_TRUE(answer_.Wait().ok());
  EXPECT_EQ(answer_.status_, 200);
  EXPECT_EQ(answer_.body_, std::to_string(kTotal));
  EXPECT_LE(producer_.peak_, kWindow + kChunk);
}

TEST_F(CurlUploadTest, StreamsAnUnknownLengthBodyChunked) {
  constexpr size_t kTotal = 3 << 20;
  RecordingServer server;
  auto pipe = std::make_shared<UploadPipe>(64 << 10, [this] { producer_.OnSpace(); });
  auto transfer = Start(server.url(), pipe, -1);
  ASSERT_TRUE(producer_.Run(*pipe, kTotal, 10000));
  Received got = server.Next();
  ASSERT_TRUE(got.arrived);
  EXPECT_TRUE(got.complete);
  EXPECT_EQ(got.transfer_encoding, "chunked");
  EXPECT_TRUE(got.body == Pattern(kTotal)) << "body differs; size " << got.body.size();
  EXPECT_TRUE(answer_.Wait().ok());
}

// The producer gives up mid-upload (the client went over the endpoint's limit, or away):
// the transfer ends with its status and the upstream sees a cut request, never a whole one.
TEST_F(CurlUploadTest, AbortMidUploadEndsTheTransferWithTheSourcesStatus) {
  RecordingServer server;
  auto pipe = std::make_shared<UploadPipe>(1 << 20, nullptr);
  auto transfer = Start(server.url(), pipe, 1 << 20);
  pipe->Push(std::string(1000, 'x'));
  pipe->Abort(absl::ResourceExhaustedError("request body exceeds the limit"));
  absl::Status status = answer_.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  ExpectCutShort(server);
}

// Cancel while curl waits for the source (upload paused): OnComplete(CANCELLED), no hang.
TEST_F(CurlUploadTest, CancelWhileTheUploadWaitsForBytes) {
  RecordingServer server;
  auto pipe = std::make_shared<UploadPipe>(1 << 20, nullptr);
  auto transfer = Start(server.url(), pipe, 100);
  pipe->Push("only some");
  // Once curl took the bytes it is connected and waits for more.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!pipe->started() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_TRUE(pipe->started());
  transfer->Cancel();
  EXPECT_EQ(answer_.Wait().code(), absl::StatusCode::kCancelled);
  ExpectCutShort(server);
}

TEST_F(CurlUploadTest, UploadIdleTimeoutExpiresWhenTheSourceStalls) {
  RecordingServer server;
  auto pipe = std::make_shared<UploadPipe>(1 << 20, nullptr);
  auto transfer = Start(server.url(), pipe, 100, absl::Milliseconds(200));
  pipe->Push("ten bytes!");
  absl::Status status = answer_.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("upload stalled"), std::string::npos) << status;
  ExpectCutShort(server);
}

}  // namespace
}  // namespace llmsrouter::router
