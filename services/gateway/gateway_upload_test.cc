// Uploads (issue 19) through the gateway over a real loopback socket, against the scripted
// FakeRouterClient: the body reaches the router chunk by chunk after the header was accepted,
// limits and broken bodies get the gateway's own answers, and the router call is cancelled
// whenever the body will not be complete.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "common/http/http_server.h"
#include "common/testing/fake_auth_client.h"
#include "services/gateway/gateway.h"
#include "services/gateway/testing/fake_router_client.h"

namespace llmsrouter::gateway {
namespace {

using router::v1::CallResponse;
using tcp = net::ip::tcp;

CallResponse Head(int status) {
  CallResponse m;
  m.mutable_head()->set_status(status);
  m.mutable_head()->set_content_type("application/json");
  return m;
}

CallResponse Data(std::string data) {
  CallResponse m;
  m.set_data(std::move(data));
  return m;
}

bool WaitFor(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A form with one file of `size` bytes (a byte pattern, so misplaced bytes show).
std::string Form(size_t size) {
  std::string form =
      "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n";
  for (size_t i = 0; i < size; ++i) form.push_back(static_cast<char>('a' + i % 23));
  return form + "\r\n--b--\r\n";
}

std::string UploadHead(std::string target, std::string framing, std::string extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\n" +
         "Content-Type: multipart/form-data; boundary=b\r\n" + framing + "\r\n" + extra + "\r\n";
}

std::string Chunked(const std::string& body, size_t piece) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// A blocking client socket whose reads give up after 10 s (a stuck server fails the test).
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    timeval timeout{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  void Write(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }
  http::response<http::string_body> Read() {
    http::response<http::string_body> response;
    beast::error_code ec;
    http::read(socket_, buffer_, response, ec);
    EXPECT_FALSE(ec) << ec.message();
    return response;
  }
  // True when the server ends the connection (EOF or reset) with nothing more sent.
  bool ServerCloses() {
    char byte;
    beast::error_code ec;
    size_t n = socket_.read_some(net::buffer(&byte, 1), ec);
    return n == 0 && (ec == net::error::eof || ec == net::error::connection_reset);
  }
  void Close() { socket_.close(); }
  // Reads raw bytes until `text` arrived or the server closed; returns all read so far.
  std::string ReadUntil(const std::string& text) {
    while (raw_.find(text) == std::string::npos) {
      char buf[4096];
      beast::error_code ec;
      size_t n = socket_.read_some(net::buffer(buf), ec);
      if (ec) break;
      raw_.append(buf, n);
    }
    return raw_;
  }

 private:
  std::string raw_;
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class GatewayUploadTest : public ::testing::Test {
 protected:
  void Start(GatewayOptions options, AuthClient* auth = nullptr, HttpLimits limits = {}) {
    gateway_ = std::make_unique<Gateway>(&router_, auth, std::move(options));
    auto server = web::HttpServer::Start("127.0.0.1:0", 2, gateway_->WithUploads(limits),
                                         [this](std::shared_ptr<HttpSession> s, HttpRequest r) {
                                           gateway_->Handle(std::move(s), std::move(r));
                                         });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void SetUp() override {
    router_.SetScript({{Head(200), Data(R"({"text":"ok"})")}, absl::OkStatus()});
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  // Limits small enough for tests: transcriptions take 100 KiB.
  static GatewayOptions SmallLimits() {
    GatewayOptions options;
    options.uploads = *UploadLimits::Create(1 << 20, "audio/transcriptions=100KiB");
    return options;
  }
  std::string Joined(const FakeRouterClient::Upload& upload) {
    std::string all;
    for (const auto& chunk : upload.chunks) all += chunk;
    return all;
  }

  FakeRouterClient router_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<web::HttpServer> server_;
};

TEST_F(GatewayUploadTest, AnUploadReachesTheRouterChunkByChunk) {
  Start({});
  std::string body = Form(300 << 10);
  Client client(server_->port());
  client.Write(UploadHead("/v1/audio/transcriptions?proxy=p",
                          "Content-Length: " + std::to_string(body.size())) +
               body);
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), R"({"text":"ok"})");
  EXPECT_TRUE(response.keep_alive());
  ASSERT_EQ(router_.uploads().size(), 1u);
  auto upload = router_.uploads()[0];
  EXPECT_EQ(upload.head.endpoint(), "audio/transcriptions");
  EXPECT_EQ(upload.head.proxy(), "p");
  EXPECT_EQ(upload.head.content_type(), "multipart/form-data; boundary=b");
  EXPECT_TRUE(upload.head.body().empty());
  ASSERT_TRUE(upload.head.has_body_size());
  EXPECT_EQ(upload.head.body_size(), static_cast<int64_t>(body.size()));
  EXPECT_GE(upload.chunks.size(), 5u);
  for (const auto& chunk : upload.chunks) EXPECT_LE(chunk.size(), 64u << 10);
  EXPECT_TRUE(upload.last);
  EXPECT_EQ(Joined(upload), body);
  // The connection is reused: the next request on it is served.
  client.Write("GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 200);
}

TEST_F(GatewayUploadTest, AChunkedUploadHasNoDeclaredSize) {
  Start({});
  std::string body = Form(200 << 10);
  Client client(server_->port());
  client.Write(UploadHead("/v1/files", "Transfer-Encoding: chunked") + Chunked(body, 7000));
  EXPECT_EQ(client.Read().result_int(), 200);
  ASSERT_EQ(router_.uploads().size(), 1u);
  auto upload = router_.uploads()[0];
  EXPECT_FALSE(upload.head.has_body_size());
  EXPECT_TRUE(upload.last);
  EXPECT_EQ(Joined(upload), body);
}

TEST_F(GatewayUploadTest, ContinueIsSentOnlyWhenTheBodyIsWanted) {
  Start({});
  std::string body = Form(1000);
  Client client(server_->port());
  client.Write(UploadHead("/v1/audio/translations",
                          "Content-Length: " + std::to_string(body.size()),
                          "Expect: 100-continue\r\n"));
  EXPECT_EQ(client.Read().result_int(), 100);  // before any body byte was sent
  client.Write(body);
  EXPECT_EQ(client.Read().result_int(), 200);
  EXPECT_EQ(Joined(router_.uploads().at(0)), body);
}

TEST_F(GatewayUploadTest, OverTheLimitByContentLengthIs413WithoutReadingTheBody) {
  Start(SmallLimits());
  Client client(server_->port());
  client.Write(
      UploadHead("/v1/audio/transcriptions", "Content-Length: 200000", "Expect: 100-continue\r\n"));
  auto response = client.Read();  // no "100 Continue" first
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_NE(response.body().find("request_too_large"), std::string::npos);
  EXPECT_NE(response.body().find("102400"), std::string::npos) << response.body();
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(router_.requests().empty());
  EXPECT_TRUE(client.ServerCloses());
}

TEST_F(GatewayUploadTest, OverTheLimitMidStreamIs413AndCancelsTheCall) {
  Start(SmallLimits());
  Client client(server_->port());
  std::string body = Form(300 << 10);
  client.Write(UploadHead("/v1/audio/transcriptions", "Transfer-Encoding: chunked") +
               Chunked(body, 16 << 10));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_NE(response.body().find("102400"), std::string::npos) << response.body();
  EXPECT_NE(response.body().find("request_too_large"), std::string::npos);
  EXPECT_FALSE(response["X-Request-Id"].empty());
  EXPECT_TRUE(WaitFor([&] { return router_.cancelled_calls.load() == 1; }));
  auto upload = router_.uploads().at(0);
  EXPECT_FALSE(upload.last);
  EXPECT_LE(Joined(upload).size(), 100u << 10);
  EXPECT_TRUE(client.ServerCloses());
}

TEST_F(GatewayUploadTest, BrokenChunkedFramingIs400AndCancelsTheCall) {
  Start({});
  Client client(server_->port());
  client.Write(UploadHead("/v1/files", "Transfer-Encoding: chunked") +
               "10\r\n0123456789abcdef\r\nzz\r\n");
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_NE(response.body().find("malformed"), std::string::npos) << response.body();
  EXPECT_TRUE(WaitFor([&] { return router_.cancelled_calls.load() == 1; }));
}

TEST_F(GatewayUploadTest, AClientLeavingMidBodyCancelsTheCall) {
  Start({});
  {
    Client client(server_->port());
    client.Write(UploadHead("/v1/files", "Content-Length: 1000000") + Form(5000));
    ASSERT_TRUE(WaitFor([&] {
      auto uploads = router_.uploads();
      return !uploads.empty() && !uploads[0].chunks.empty();
    }));
    client.Close();
  }
  EXPECT_TRUE(WaitFor([&] { return router_.cancelled_calls.load() == 1; }));
  EXPECT_FALSE(router_.uploads().at(0).last);
  EXPECT_TRUE(WaitFor([&] { return server_->in_flight() == 0; }));
}

TEST_F(GatewayUploadTest, AClientThatStopsSendingMidBodyGets408AndTheCallIsCancelled) {
  HttpLimits limits;
  limits.body_idle_timeout = absl::Milliseconds(300);
  Start({}, nullptr, limits);
  Client client(server_->port());
  client.Write(UploadHead("/v1/files", "Content-Length: 1000000") + Form(5000));
  auto response = client.Read();  // nothing more is sent
  EXPECT_EQ(response.result_int(), 408);
  EXPECT_NE(response.body().find(R"("code":"request_timeout")"), std::string::npos)
      << response.body();
  EXPECT_NE(response.body().find(R"("type":"invalid_request_error")"), std::string::npos);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_FALSE(response["X-Request-Id"].empty());
  EXPECT_TRUE(WaitFor([&] { return router_.cancelled_calls.load() == 1; }));
  auto upload = router_.uploads().at(0);
  EXPECT_FALSE(upload.last);
  EXPECT_FALSE(Joined(upload).empty());
  client.Close();
  EXPECT_TRUE(WaitFor([&] { return server_->in_flight() == 0; }));
}

// A 2xx answer that starts streaming before the body's end (HTTP/1.1 allows it): the body is
// still read and handed to the router while the answer streams, and the exchange ends once
// both are done, with no cancel.
TEST_F(GatewayUploadTest, AStreamedAnswerBeforeTheBodysEndKeepsTheBodyFlowing) {
  CallResponse head = Head(200);
  head.mutable_head()->set_stream(true);
  head.mutable_head()->set_content_type("text/event-stream");
  router_.SetScript({{head, Data("data: first\n\n"), Data("data: rest\n\n")}, absl::OkStatus()});
  router_.SetUploadScript({.answer_after_chunks = 1, .early_messages = 2});
  Start({});
  Client client(server_->port());
  std::string body = Form(300 << 10);
  client.Write(UploadHead("/v1/files", "Content-Length: " + std::to_string(body.size())) +
               body.substr(0, 100 << 10));
  std::string got = client.ReadUntil("data: first");
  ASSERT_NE(got.find("HTTP/1.1 200 OK"), std::string::npos) << got;
  EXPECT_EQ(got.find("data: rest"), std::string::npos);
  client.Write(body.substr(100 << 10));  // the rest, after the answer began
  got = client.ReadUntil("data: rest\n\n\r\n0\r\n\r\n");
  EXPECT_NE(got.find("data: rest"), std::string::npos) << got;
  EXPECT_TRUE(client.ServerCloses());
  auto upload = router_.uploads().at(0);
  EXPECT_TRUE(upload.last);
  EXPECT_EQ(Joined(upload), body);
  EXPECT_EQ(router_.cancelled_calls.load(), 0);
  EXPECT_TRUE(WaitFor([&] { return server_->in_flight() == 0; }));
}

TEST_F(GatewayUploadTest, ARouterAnsweringEarlyIsAnsweredAndTheConnectionCloses) {
  router_.SetScript(
      {{Head(400), Data(R"({"error":{"message":"no such model"}})")}, absl::OkStatus()});
  router_.SetUploadScript({.finish_after_chunks = 1});
  Start({});
  Client client(server_->port());
  client.Write(UploadHead("/v1/files", "Content-Length: 10000000") + Form(200 << 10));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(response.body(), R"({"error":{"message":"no such model"}})");
  EXPECT_FALSE(response.keep_alive());
  // The rest of the body is discarded, never taken as a next request.
  client.Write("GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(client.ServerCloses());
  EXPECT_EQ(router_.uploads().at(0).chunks.size(), 1u);
}

TEST_F(GatewayUploadTest, AClientLeavingAfterTheBodyWhileTheRouterWaitsCancelsTheCall) {
  router_.SetScript({{}, absl::OkStatus(), /*hang=*/true});
  Start({});
  {
    Client client(server_->port());
    std::string body = Form(100 << 10);
    client.Write(UploadHead("/v1/files", "Content-Length: " + std::to_string(body.size())) + body);
    ASSERT_TRUE(WaitFor([&] {
      auto uploads = router_.uploads();
      return !uploads.empty() && uploads[0].last;
    }));
    EXPECT_EQ(router_.cancelled_calls.load(), 0);
    client.Close();  // seen by the disconnect watch, armed once the body was in
  }
  EXPECT_TRUE(WaitFor([&] { return router_.cancelled_calls.load() == 1; }));
  EXPECT_TRUE(WaitFor([&] { return server_->in_flight() == 0; }));
}

TEST_F(GatewayUploadTest, ARefusedKeyIs401AndNoBodyIsRead) {
  FakeAuthClient auth;
  GatewayOptions options;
  options.accounts = true;
  Start(options, &auth);
  Client client(server_->port());
  client.Write(UploadHead("/v1/files", "Content-Length: 5000000",
                          "Authorization: Bearer wrong\r\nExpect: 100-continue\r\n"));
  auto response = client.Read();
  EXPECT_EQ(response.result_int(), 401);
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(router_.uploads().empty());
  EXPECT_TRUE(client.ServerCloses());
}

TEST_F(GatewayUploadTest, JsonCallsKeepTheWholeBodyPath) {
  Start({});
  Client client(server_->port());
  std::string body = R"({"model":"m","messages":[]})";
  client.Write(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(client.Read().result_int(), 200);
  EXPECT_TRUE(router_.uploads().empty());
  ASSERT_EQ(router_.requests().size(), 1u);
  EXPECT_EQ(router_.requests()[0].body(), body);
}

}  // namespace
}  // namespace llmsrouter::gateway
