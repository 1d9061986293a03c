// CurlHttpClient against a real loopback HTTP server: every handler call on the client's
// loop, cancel never completing inside Cancel(), pause/resume, first-byte expiry.
#include "services/router/curl_http_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace llmsrouter::router {
namespace {

namespace asio = boost::asio;

// Answers each connection with `response` after reading the request head; with an empty
// `response` it reads and holds the connection (an upstream that never answers).
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string response) : response_(std::move(response)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
    thread_.join();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/v1/x";
  }

 private:
  void Serve() {
    for (;;) {
      boost::system::error_code ec;
      asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec) return;
      asio::streambuf head;
      asio::read_until(socket, head, "\r\n\r\n", ec);
      if (response_.empty()) {
        held_.push_back(std::move(socket));
        continue;
      }
      asio::write(socket, asio::buffer(response_), ec);
    }
  }
  std::string response_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::vector<asio::ip::tcp::socket> held_;
  std::thread thread_;
};

// Set by a thread while it is inside a transfer's Cancel().
thread_local bool t_in_cancel = false;

class Recorder : public HttpResponseHandler {
 public:
  Recorder(IoLoop* loop, bool refuse_first) : loop_(loop), refuse_(refuse_first) {}
  void OnHeaders(int status, HeaderList) override {
    EXPECT_TRUE(loop_->InLoop());
    status_ = status;
  }
  bool OnData(std::string_view bytes) override {
    EXPECT_TRUE(loop_->InLoop());
    if (refuse_) {
      refuse_ = false;
      refused_.set_value();
      return false;
    }
    body_.append(bytes);
    return true;
  }
  void OnComplete(absl::Status status) override {
    EXPECT_TRUE(loop_->InLoop());
    // Only a completion on the same stack as Cancel() breaks the rule; the loop may finish
    // the call while another thread is still returning from Cancel().
    EXPECT_FALSE(t_in_cancel) << "completed inside Cancel()";
    done_.set_value(std::move(status));
  }
  absl::Status Wait() { return done_.get_future().get(); }

  IoLoop* loop_;
  bool refuse_;
  int status_ = 0;
  std::string body_;
  std::promise<void> refused_;
  std::promise<absl::Status> done_;
};

class CurlHttpClientTest : public ::testing::Test {
 protected:
  ~CurlHttpClientTest() override {
    pool_.RunOnEach([this](IoLoop&) { client_.Shutdown(); });
    pool_.Stop();  // before the client goes: nothing runs on it any more
  }
  HttpRequest Request(const std::string& url) {
    HttpRequest request;
    request.url = url;
    request.body = "{}";
    return request;
  }
  // Handlers outlive the loop (destroyed after the destructor stopped it): the loop may still
  // be inside a handler's last callback when the test thread wakes up.
  Recorder& NewRecorder(bool refuse_first) {
    recorders_.push_back(std::make_unique<Recorder>(&pool_.loop(0), refuse_first));
    return *recorders_.back();
  }
  std::vector<std::unique_ptr<Recorder>> recorders_;
  LoopPool pool_{1, "curl-test"};
  CurlHttpClient client_{pool_.loop(0)};
};

TEST_F(CurlHttpClientTest, WholeAnswerOnTheLoop) {
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  Recorder& recorder = NewRecorder(false);
  auto transfer = client_.Start(Request(server.url()), &recorder);
  EXPECT_TRUE(recorder.Wait().ok());
  EXPECT_EQ(recorder.status_, 200);
  EXPECT_EQ(recorder.body_, "hello");
}

TEST_F(CurlHttpClientTest, PausedBytesArriveAfterResume) {
  LoopbackServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  Recorder& recorder = NewRecorder(/*refuse_first=*/true);
  auto transfer = client_.Start(Request(server.url()), &recorder);
  recorder.refused_.get_future().get();
  transfer->Resume();  // from another thread: posted to the loop
  EXPECT_TRUE(recorder.Wait().ok());
  EXPECT_EQ(recorder.body_, "hello");  // the refused bytes came again
}

TEST_F(CurlHttpClientTest, CancelEndsATransferThatNeverAnswersWithoutCompletingInside) {
  LoopbackServer server("");
  Recorder& recorder = NewRecorder(false);
  auto transfer = client_.Start(Request(server.url()), &recorder);
  t_in_cancel = true;
  transfer->Cancel();
  t_in_cancel = false;
  EXPECT_EQ(recorder.Wait().code(), absl::StatusCode::kCancelled);
  transfer->Cancel();  // after the end: nothing
}

TEST_F(CurlHttpClientTest, FirstByteTimeoutExpires) {
  LoopbackServer server("");
  Recorder& recorder = NewRecorder(false);
  HttpRequest request = Request(server.url());
  request.first_byte_timeout = absl::Milliseconds(150);
  auto transfer = client_.Start(std::move(request), &recorder);
  absl::Status status = recorder.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    LoopbackServer closed("x");
    url = closed.url();
  }
  Recorder& recorder = NewRecorder(false);
  auto transfer = client_.Start(Request(url), &recorder);
  EXPECT_EQ(recorder.Wait().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace llmsrouter::router
