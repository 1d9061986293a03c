// HttpSession's client-disconnect watch over a real loopback socket, the session's io_context
// run by the test thread (so the test code runs "on the session's executor" between runs):
// a client leaving mid-request is seen once, and only while that request is unanswered; a
// pipelined request is no disconnect; on_gone may end the stream from inside itself.
#include "common/http/http_session.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

namespace llmsrouter::web {
namespace {

using tcp = net::ip::tcp;

const char kRequest[] = "POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}";

class HttpSessionWatchTest : public ::testing::Test {
 protected:
  HttpSessionWatchTest() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    client_.connect(acceptor_.local_endpoint());
    client_.set_option(tcp::no_delay(true));
    auto session = std::make_shared<HttpSession>(
        acceptor_.accept(), HttpLimits{},
        [this](std::shared_ptr<HttpSession> s, HttpRequest request) {
          current_ = std::move(s);
          ++requests_;
          last_target_ = std::string(request.target());
        },
        std::make_shared<std::atomic<int>>(0));
    weak_ = session;
    session->Run();
  }

  // Runs the session's handlers until `condition` holds (10 s at most).
  bool RunUntil(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!condition()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  void Send(const std::string& bytes) { net::write(client_, net::buffer(bytes)); }

  // Reads from the client socket until `text` arrived (the session's writes run meanwhile).
  bool ClientReceives(const std::string& text) {
    std::string got;
    client_.non_blocking(true);
    return RunUntil([&] {
      char buf[4096];
      beast::error_code ec;
      size_t n = client_.read_some(net::buffer(buf), ec);
      if (!ec) got.append(buf, n);
      return got.find(text) != std::string::npos;
    });
  }

  // The session is gone: every handler holding it ran (it closed its socket).
  bool SessionEnded() {
    return RunUntil([&] { return weak_.expired(); });
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  net::io_context client_io_;
  tcp::socket client_{client_io_};
  std::weak_ptr<HttpSession> weak_;
  std::shared_ptr<HttpSession> current_;  // the session of the request being handled
  int requests_ = 0;
  std::string last_target_;
};

TEST_F(HttpSessionWatchTest, AClientLeavingMidRequestIsSeenOnce) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  int gone = 0;
  current_->WatchForDisconnect([&] { ++gone; });
  EXPECT_FALSE(current_->client_gone());
  client_.close();
  ASSERT_TRUE(RunUntil([&] { return gone == 1; }));
  EXPECT_TRUE(current_->client_gone());
  // The handler answers late anyway: the write fails quietly and the session ends.
  current_->SendResponse(HttpResponse(http::status::ok, 11));
  current_.reset();
  EXPECT_TRUE(SessionEnded());
  EXPECT_EQ(gone, 1);
}

TEST_F(HttpSessionWatchTest, OnGoneMayEndTheStreamFromInsideItself) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  bool head_written = false;
  current_->SendStreamHead(http::response<http::empty_body>(http::status::ok, 11),
                           [&](bool ok) { head_written = ok; });
  ASSERT_TRUE(RunUntil([&] { return head_written; }));
  int gone = 0;
  current_->WatchForDisconnect([&] {
    ++gone;
    current_->AbortStream();  // as a call cancelled by its client closes its stream
  });
  client_.close();
  ASSERT_TRUE(RunUntil([&] { return gone == 1; }));
  current_.reset();
  EXPECT_TRUE(SessionEnded());
  EXPECT_EQ(gone, 1);
}

TEST_F(HttpSessionWatchTest, ALeaveAfterTheAnswerIsNoDisconnectOfThatRequest) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  int gone = 0;
  current_->WatchForDisconnect([&] { ++gone; });
  HttpResponse response(http::status::ok, 11);
  response.body() = "done";
  response.prepare_payload();
  current_->SendResponse(std::move(response));
  current_.reset();
  ASSERT_TRUE(ClientReceives("done"));
  client_.close();  // an idle keep-alive connection closed by its client
  EXPECT_TRUE(SessionEnded());
  EXPECT_EQ(gone, 0);
}

TEST_F(HttpSessionWatchTest, AStreamAbortedByTheServerIsNoDisconnect) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  int gone = 0;
  current_->WatchForDisconnect([&] { ++gone; });
  current_->AbortStream();  // closes the socket: the watch ends without calling on_gone
  current_.reset();
  EXPECT_TRUE(SessionEnded());
  EXPECT_EQ(gone, 0);
}

TEST_F(HttpSessionWatchTest, APipelinedRequestIsNoDisconnectAndIsServedNext) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  int gone = 0;
  current_->WatchForDisconnect([&] { ++gone; });
  Send("GET /v1/second HTTP/1.1\r\nHost: a\r\n\r\n");  // sent before the first is answered
  // The watch wakes for these bytes and must leave them for the next read.
  ASSERT_TRUE(RunUntil([&] { return !io_.poll_one(); }));
  EXPECT_EQ(gone, 0);
  EXPECT_FALSE(current_->client_gone());
  HttpResponse first(http::status::ok, 11);
  first.prepare_payload();
  current_->SendResponse(std::move(first));
  ASSERT_TRUE(RunUntil([&] { return requests_ == 2; }));
  EXPECT_EQ(last_target_, "/v1/second");
  // The second request has a watch of its own.
  current_->WatchForDisconnect([&] { ++gone; });
  client_.close();
  ASSERT_TRUE(RunUntil([&] { return gone == 1; }));
  current_.reset();
  EXPECT_TRUE(SessionEnded());
}

}  // namespace
}  // namespace llmsrouter::web
