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
  explicit HttpSessionWatchTest(HttpLimits limits = {})
      : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    client_.connect(acceptor_.local_endpoint());
    client_.set_option(tcp::no_delay(true));
    limits_ = limits;
    handler_ = [this](std::shared_ptr<HttpSession> s, HttpRequest request) {
      current_ = std::move(s);
      ++requests_;
      last_target_ = std::string(request.target());
      last_body_ = request.body();
    };
    auto session = std::make_shared<HttpSession>(acceptor_.accept(), limits, handler_,
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

  // A new client connection and session (the last one ended).
  void Reconnect() {
    client_.close();
    client_ = tcp::socket(client_io_);
    client_.connect(acceptor_.local_endpoint());
    client_.set_option(tcp::no_delay(true));
    auto session = std::make_shared<HttpSession>(acceptor_.accept(), limits_, handler_,
                                                 std::make_shared<std::atomic<int>>(0));
    weak_ = session;
    requests_ = 0;
    session->Run();
  }

  // The session is gone: every handler holding it ran (it closed its socket).
  bool SessionEnded() {
    return RunUntil([&] { return weak_.expired(); });
  }

  net::io_context io_;
  HttpLimits limits_;
  RequestHandler handler_;
  tcp::acceptor acceptor_;
  net::io_context client_io_;
  tcp::socket client_{client_io_};
  std::weak_ptr<HttpSession> weak_;
  std::shared_ptr<HttpSession> current_;  // the session of the request being handled
  int requests_ = 0;
  std::string last_target_;
  std::string last_body_;
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

// Streamed bodies: requests to /up* have theirs read by the handler, in chunks (limit 1 MiB).
class HttpSessionBodyTest : public HttpSessionWatchTest {
 protected:
  explicit HttpSessionBodyTest(absl::Duration body_idle_timeout = absl::Seconds(30))
      : HttpSessionWatchTest(StreamedUnderUp(body_idle_timeout)) {}
  static HttpLimits StreamedUnderUp(absl::Duration body_idle_timeout) {
    HttpLimits limits;
    limits.body_idle_timeout = body_idle_timeout;
    limits.streamed_body_limit = [](const http::request_header<>& header) -> uint64_t {
      return header.target().starts_with("/up") ? 1 << 20 : 0;
    };
    return limits;
  }
  // Reads the current request's body to its end; the chunks' sizes go to `sizes`.
  absl::Status ReadAll(std::string* body, std::vector<size_t>* sizes) {
    bool last = false;
    absl::Status status;
    while (status.ok() && !last) {
      bool done = false;
      current_->ReadBody([&](absl::Status s, std::string chunk, bool l) {
        status = s;
        last = l;
        sizes->push_back(chunk.size());
        body->append(chunk);
        done = true;
      });
      if (!RunUntil([&] { return done; })) return absl::DeadlineExceededError("no chunk");
    }
    return status;
  }
  std::string Pattern(size_t size) {
    std::string out;
    for (size_t i = 0; i < size; ++i) out.push_back(static_cast<char>('a' + i % 29));
    return out;
  }
  void Answer(std::string body) {
    HttpResponse response(http::status::ok, 11);
    response.body() = std::move(body);
    response.prepare_payload();
    current_->SendResponse(std::move(response));
  }
  // What the client got so far (without waiting).
  std::string ClientReadNow() {
    std::string got;
    client_.non_blocking(true);
    char buf[4096];
    beast::error_code ec;
    for (size_t n; (n = client_.read_some(net::buffer(buf), ec)) > 0 && !ec;) got.append(buf, n);
    return got;
  }
};

TEST_F(HttpSessionBodyTest, AStreamedBodyIsReadInChunksWithItsBytesIntact) {
  std::string body = Pattern(300 << 10);
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n\r\n" + body);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_TRUE(last_body_.empty());
  EXPECT_TRUE(current_->body_streamed());
  EXPECT_EQ(current_->body_length(), body.size());
  std::string got;
  std::vector<size_t> sizes;
  ASSERT_TRUE(ReadAll(&got, &sizes).ok());
  EXPECT_EQ(got, body);
  EXPECT_GE(sizes.size(), 5u);
  for (size_t size : sizes) EXPECT_LE(size, 64u << 10);
  EXPECT_FALSE(current_->body_pending());
  // Read to its end: the connection is kept for the next request.
  Answer("done");
  Send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 2; }));
  EXPECT_EQ(last_target_, "/next");
  EXPECT_FALSE(current_->body_streamed());
}

TEST_F(HttpSessionBodyTest, AChunkedBodyIsStreamedAndItsLimitHolds) {
  std::string body = Pattern(100 << 10);
  std::string framed;
  for (size_t at = 0; at < body.size(); at += 5000) {
    std::string piece = body.substr(at, 5000);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
    framed += size + piece + "\r\n";
  }
  Send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + framed + "0\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_FALSE(current_->body_length().has_value());
  std::string got;
  std::vector<size_t> sizes;
  ASSERT_TRUE(ReadAll(&got, &sizes).ok());
  EXPECT_EQ(got, body);
  // A chunk over the limit (1 MiB) fails the read: RESOURCE_EXHAUSTED.
  Answer("ok");
  Send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 2; }));
  got.clear();
  EXPECT_TRUE(absl::IsResourceExhausted(ReadAll(&got, &sizes)));
}

TEST_F(HttpSessionBodyTest, ContinueIsWrittenOnlyWhenTheBodyIsRead) {
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_EQ(ClientReadNow(), "");  // the handler has not asked for the body
  bool done = false;
  std::string chunk;
  current_->ReadBody([&](absl::Status, std::string c, bool) {
    chunk = std::move(c);
    done = true;
  });
  client_.non_blocking(false);
  ASSERT_TRUE(ClientReceives("HTTP/1.1 100 Continue\r\n\r\n"));
  client_.non_blocking(false);
  Send("abcd");
  ASSERT_TRUE(RunUntil([&] { return done; }));
  EXPECT_EQ(chunk, "abcd");
}

TEST_F(HttpSessionBodyTest, AnAnswerBeforeTheBodysEndClosesTheConnection) {
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nfirst bytes");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_TRUE(current_->body_pending());
  Answer("refused");
  current_.reset();
  ASSERT_TRUE(ClientReceives("refused"));
  client_.non_blocking(false);
  // What follows is the body's rest to the server, never a request of its own.
  Send("GET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  client_.close();
  EXPECT_TRUE(SessionEnded());
  EXPECT_EQ(requests_, 1);
}

TEST_F(HttpSessionBodyTest, AnAnswerWhileABodyReadIsOutEndsThatReadThenTheConnection) {
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  absl::Status status;
  bool done = false;
  current_->ReadBody([&](absl::Status s, std::string, bool) {
    status = s;
    done = true;
  });
  Answer("early");  // the router answered while the next chunk was awaited
  ASSERT_TRUE(RunUntil([&] { return done; }));
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(ClientReceives("early"));
  current_.reset();
  client_.close();
  EXPECT_TRUE(SessionEnded());
}

TEST_F(HttpSessionBodyTest, AWholeBodyAwaitedWith100ContinueGetsIt) {
  // curl sends bodies over 1 MB this way and would wait a second for the interim answer.
  Send("POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(ClientReceives("HTTP/1.1 100 Continue\r\n\r\n"));
  EXPECT_EQ(requests_, 0);
  client_.non_blocking(false);
  Send("{}");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_EQ(last_body_, "{}");
}

TEST_F(HttpSessionBodyTest, OtherBodiesAreStillReadWhole) {
  Send(kRequest);
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  EXPECT_EQ(last_body_, "{}");
  EXPECT_FALSE(current_->body_streamed());
  EXPECT_FALSE(current_->body_pending());
}

// HTTP/1.1 lets a server answer before the body's end: while a chunked answer streams, the
// body is still read to its end; the answer then ends and (its head said "close", the body
// being unread then) the connection closes.
TEST_F(HttpSessionBodyTest, ABodyIsStillReadWhileAChunkedAnswerStreams) {
  std::string body = Pattern(200 << 10);
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n\r\n" + body.substr(0, 1000));
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  bool head_sent = false;
  http::response<http::empty_body> head(http::status::ok, 11);
  current_->SendStreamHead(std::move(head), [&](bool ok) { head_sent = ok; });
  ASSERT_TRUE(RunUntil([&] { return head_sent; }));
  ASSERT_TRUE(ClientReceives("HTTP/1.1 200 OK"));
  client_.non_blocking(false);
  Send(body.substr(1000));
  std::string got;
  std::vector<size_t> sizes;
  ASSERT_TRUE(ReadAll(&got, &sizes).ok());
  EXPECT_EQ(got, body);
  bool chunk_sent = false;
  current_->SendChunk("the answer", [&](bool ok) { chunk_sent = ok; });
  ASSERT_TRUE(RunUntil([&] { return chunk_sent; }));
  current_->FinishStream("", true);
  current_.reset();
  EXPECT_TRUE(ClientReceives("the answer\r\n0\r\n\r\n"));
  EXPECT_TRUE(SessionEnded());
}

// An answer and the next bytes of a chunked body's framing (a chunk header, no body byte) at
// the same moment: the read may already hold those bytes when it is cancelled, and must end
// at once anyway (not after --header-timeout, 30 s here) so the lingering close can start.
TEST_F(HttpSessionBodyTest, ACancelledBodyReadEndsAtOnceEvenWithBytesInFlight) {
  for (int round = 0; round < 2; ++round) {
    Send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
    bool done = false;
    absl::Status status;
    current_->ReadBody([&](absl::Status s, std::string, bool) {
      status = s;
      done = true;
    });
    if (round == 1) io_.poll();  // the read is out in the reactor
    Send("5");                   // a chunk size line, still incomplete
    Answer("early");
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(RunUntil([&] { return done; }));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_FALSE(status.ok());
    EXPECT_FALSE(absl::IsDeadlineExceeded(status));  // answered, not idle
    EXPECT_TRUE(ClientReceives("early"));
    current_.reset();
    client_.non_blocking(false);
    // The session lingers (discarding) and then ends without waiting for the client.
    EXPECT_TRUE(SessionEnded());
    if (round == 0) Reconnect();
  }
}

// --body-idle-timeout (300 ms here): a client that stops sending mid-body fails the read in
// flight with DEADLINE_EXCEEDED, and the session can still answer it (408), then closes.
class HttpSessionIdleBodyTest : public HttpSessionBodyTest {
 protected:
  HttpSessionIdleBodyTest() : HttpSessionBodyTest(absl::Milliseconds(300)) {}
};

TEST_F(HttpSessionIdleBodyTest, AStalledBodyFailsItsReadAndIsStillAnswered) {
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nhalf of it");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  std::string got;
  std::vector<size_t> sizes;
  absl::Status status = ReadAll(&got, &sizes);
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_EQ(got, "half of it");
  EXPECT_TRUE(current_->body_pending());
  HttpResponse response(http::status::request_timeout, 11);
  response.body() = "timed out";
  response.prepare_payload();
  current_->SendResponse(std::move(response));
  current_.reset();
  client_.non_blocking(false);
  ASSERT_TRUE(ClientReceives("timed out"));
  EXPECT_TRUE(SessionEnded());
}

TEST_F(HttpSessionIdleBodyTest, ASlowButSteadyBodyIsNotTimedOut) {
  std::string body = Pattern(8 * 100);
  Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n\r\n");
  ASSERT_TRUE(RunUntil([&] { return requests_ == 1; }));
  std::string got;
  absl::Status status;
  bool last = false;
  // 8 pieces 100 ms apart: 800 ms in all, over the 300 ms allowed between bytes.
  for (size_t at = 0; at < body.size() && status.ok(); at += 100) {
    bool done = false;
    current_->ReadBody([&](absl::Status s, std::string chunk, bool l) {
      status = s;
      last = l;
      got += chunk;
      done = true;
    });
    client_.non_blocking(false);
    Send(body.substr(at, 100));
    ASSERT_TRUE(RunUntil([&] { return done; }));
    auto pace = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    RunUntil([&] { return std::chrono::steady_clock::now() >= pace; });  // a slow client
  }
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(last);
  EXPECT_EQ(got, body);
}

}  // namespace
}  // namespace llmsrouter::web
