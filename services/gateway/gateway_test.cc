#include "services/gateway/gateway.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/http/http_server.h"
#include "common/metrics.h"
#include "common/status_map.h"
#include "services/gateway/testing/exchange.h"
#include "services/gateway/testing/fake_router_client.h"

namespace llmsrouter::gateway {
namespace {

using router::v1::CallResponse;

CallResponse Head(int status, bool stream, std::string content_type) {
  CallResponse m;
  m.mutable_head()->set_status(status);
  m.mutable_head()->set_stream(stream);
  m.mutable_head()->set_content_type(std::move(content_type));
  return m;
}

CallResponse Data(std::string data) {
  CallResponse m;
  m.set_data(std::move(data));
  return m;
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = web::HttpServer::Start("127.0.0.1:0", 2, HttpLimits{},
                                         [this](std::shared_ptr<HttpSession> s, HttpRequest r) {
                                           gateway_.Handle(std::move(s), std::move(r));
                                         });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  http::response<http::string_body> Send(
      http::verb method, std::string target, std::string body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> request{method, target, 11};
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    return Exchange(server_->port(), std::move(request));
  }

  // Sends a request and closes the connection without reading (a client giving up).
  void SendAndGiveUp(std::string body) {
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
    http::request<http::string_body> request{http::verb::post, "/v1/chat/completions", 11};
    request.set(http::field::host, "test");
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(socket, request);
    socket.close();
  }

  // Status of GET `target`, or 0 when no answer came within `timeout` (a stuck server).
  int GetWithin(std::string target, std::chrono::milliseconds timeout) {
    net::io_context io;
    beast::tcp_stream stream(io);
    http::request<http::string_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "test");
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    int status = 0;
    stream.expires_after(timeout);
    stream.async_connect(
        {net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())},
        [&](beast::error_code ec) {
          if (ec) return;
          http::async_write(stream, request, [&](beast::error_code ec, size_t) {
            if (ec) return;
            http::async_read(stream, buffer, response, [&](beast::error_code ec, size_t) {
              if (!ec) status = response.result_int();
            });
          });
        });
    io.run();
    return status;
  }

  FakeRouterClient router_;
  Gateway gateway_{&router_};
  std::unique_ptr<web::HttpServer> server_;
};

TEST_F(GatewayTest, NonStreamAnswerKeepsStatusBodyAndHeaders) {
  CallResponse head = Head(429, false, "application/json");
  (*head.mutable_head()->mutable_headers())["retry-after"] = "3";
  router_.SetScript({{head, Data(R"({"error":{"message":"x"}})")}, absl::OkStatus()});
  auto response = Send(http::verb::post, "/v1/chat/completions?proxy=a%20b", R"({"model":"m"})");
  EXPECT_EQ(response.result_int(), 429);
  EXPECT_EQ(response.body(), R"({"error":{"message":"x"}})");
  EXPECT_EQ(response["retry-after"], "3");
  EXPECT_FALSE(response["X-Request-Id"].empty());
  ASSERT_EQ(router_.requests().size(), 1u);
  EXPECT_EQ(router_.requests()[0].endpoint(), "chat/completions");
  EXPECT_EQ(router_.requests()[0].proxy(), "a b");
  EXPECT_EQ(router_.requests()[0].body(), R"({"model":"m"})");
}

TEST_F(GatewayTest, StreamIsWrittenChunkByChunk) {
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("data: 1\n\n"),
                      Data("data: 2\n\ndata: [DONE]\n\n")},
                     absl::OkStatus()});
  auto response = Send(http::verb::post, "/v1/chat/completions", R"({"model":"m","stream":true})");
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response[http::field::content_type], "text/event-stream");
  EXPECT_EQ(response.body(), "data: 1\n\ndata: 2\n\ndata: [DONE]\n\n");
}

TEST_F(GatewayTest, FailureAfterTheStreamStartedEndsWithAnErrorEvent) {
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("data: 1\n\n")},
                     absl::UnavailableError("upstream: connection reset")});
  auto response = Send(http::verb::post, "/v1/chat/completions", R"({"model":"m"})");
  EXPECT_EQ(response.result_int(), 200);
  ASSERT_EQ(response.body().rfind("data: 1\n\ndata: {\"error\"", 0), 0u) << response.body();
}

// A Responses API stream tells a failure as Responses events do (`event: error`, type "error"
// with code/message/param/sequence_number: the Vercel AI SDK rejects anything else as an
// invalid chunk) and keeps the OpenAI error object under "error" (the OpenAI SDKs raise it).
TEST_F(GatewayTest, FailureAfterAResponsesStreamStartedEndsWithAResponsesErrorEvent) {
  router_.SetScript(
      {{Head(200, true, "text/event-stream"),
        Data("event: response.created\ndata: {\"type\":\"response.created\"}\n\n")},
       WithOpenAiDetails(absl::UnavailableError("provider 'p': reset"), "", "upstream_error")});
  auto response = Send(http::verb::post, "/v1/responses", R"({"model":"m","stream":true})");
  EXPECT_EQ(response.result_int(), 200);
  const std::string& body = response.body();
  const std::string kPrefix = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n";
  ASSERT_EQ(body.rfind(kPrefix + "event: error\ndata: ", 0), 0u) << body;
  ASSERT_TRUE(body.ends_with("\n\n")) << body;
  size_t data = kPrefix.size() + std::string("event: error\ndata: ").size();
  auto event = nlohmann::json::parse(body.substr(data, body.size() - data - 2));
  EXPECT_EQ(event["type"], "error");
  EXPECT_EQ(event["code"], "upstream_error");
  EXPECT_EQ(event["message"], "provider 'p': reset");
  EXPECT_TRUE(event["param"].is_null());
  EXPECT_EQ(event["sequence_number"], 0);
  EXPECT_EQ(event["error"]["message"], "provider 'p': reset");
  EXPECT_EQ(event["error"]["type"], "service_unavailable_error");
  EXPECT_EQ(event["error"]["code"], "upstream_error");
}

// A stream that failed mid-way still ends with its last chunk, so the connection is whole:
// it stays open for the client's next request. (Closing it raced the clients' pools: the
// OpenAI SDK reused the socket the gateway was closing and got "Connection error.")
TEST_F(GatewayTest, ConnectionIsReusedAfterAStreamFailedMidWay) {
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("data: 1\n\n")},
                     absl::UnavailableError("upstream: connection reset")});
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
  timeval timeout{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  beast::flat_buffer buffer;
  for (int i = 0; i < 2; ++i) {
    http::request<http::string_body> request{http::verb::post, "/v1/chat/completions", 11};
    request.set(http::field::host, "test");
    request.body() = R"({"model":"m","stream":true})";
    request.prepare_payload();
    beast::error_code ec;
    http::write(socket, request, ec);
    ASSERT_FALSE(ec) << "request " << i << ": " << ec.message();
    http::response<http::string_body> response;
    http::read(socket, buffer, response, ec);
    ASSERT_FALSE(ec) << "response " << i << ": " << ec.message();
    EXPECT_TRUE(response.keep_alive());
    EXPECT_NE(response.body().find("data: {\"error\""), std::string::npos) << response.body();
  }
  EXPECT_EQ(router_.requests().size(), 2u);
}

TEST_F(GatewayTest, ResponsesErrorEventNamesTheTypeWhenTheErrorHasNoCode) {
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("event: x\ndata: {}\n\n")},
                     absl::DeadlineExceededError("too slow")});
  auto body = Send(http::verb::post, "/v1/responses", R"({"model":"m"})").body();
  size_t at = body.find("event: error\ndata: ");
  ASSERT_NE(at, std::string::npos) << body;
  auto event = nlohmann::json::parse(body.substr(at + 19));
  EXPECT_EQ(event["code"], event["error"]["type"]);
  EXPECT_TRUE(event["error"]["code"].is_null());
}

// A binary answer (audio) that breaks mid-way must not look complete: the connection is cut
// without the last chunk and nothing is appended to the bytes.
TEST_F(GatewayTest, BinaryStreamBrokenMidWayIsCutWithoutTheLastChunk) {
  router_.SetScript({{Head(200, true, "audio/mpeg"), Data("ID3-bytes")},
                     absl::UnavailableError("upstream: connection reset")});
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
  http::request<http::string_body> request{http::verb::post, "/v1/audio/speech", 11};
  request.set(http::field::host, "test");
  request.body() = R"({"model":"m"})";
  request.prepare_payload();
  http::write(socket, request);
  std::string raw;
  beast::error_code ec;
  net::read(socket, net::dynamic_buffer(raw), ec);  // until the gateway closes
  EXPECT_EQ(ec, net::error::eof) << ec.message();
  EXPECT_NE(raw.find("ID3-bytes"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("error"), std::string::npos) << raw;
  EXPECT_FALSE(raw.ends_with("0\r\n\r\n")) << raw;
}

TEST_F(GatewayTest, RouterErrorsBecomeOpenAiErrors) {
  router_.SetScript(
      {{},
       WithOpenAiDetails(absl::NotFoundError("unknown provider 'x'"), "model", "model_not_found")});
  auto response = Send(http::verb::post, "/v1/embeddings", R"({"model":"[x]m"})");
  EXPECT_EQ(response.result_int(), 404);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["error"]["code"], "model_not_found");
  EXPECT_EQ(body["error"]["param"], "model");
  EXPECT_EQ(body["error"]["message"], "unknown provider 'x'");
}

TEST_F(GatewayTest, MessagesCallsForwardAnthropicHeadersAndGetAnthropicErrors) {
  router_.SetScript({{}, absl::NotFoundError("unknown provider 'x'")});
  auto response = Send(
      http::verb::post, "/v1/messages", R"({"model":"[x]m"})",
      {{"Anthropic-Beta", "tools-2024"}, {"anthropic-version", "2023-06-01"}, {"x-other", "no"}});
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(
      response.body(),
      R"({"type":"error","error":{"type":"not_found_error","message":"unknown provider 'x'"}})");
  auto requests = router_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& call = requests[0];
  EXPECT_EQ(call.endpoint(), "messages");
  EXPECT_EQ(call.client_headers().size(), 2u);
  EXPECT_EQ(call.client_headers().at("anthropic-beta"), "tools-2024");
  EXPECT_EQ(call.client_headers().at("anthropic-version"), "2023-06-01");
  // Chat calls carry no client headers (nothing added to the OpenAI path).
  router_.SetScript({{}, absl::NotFoundError("x")});
  Send(http::verb::post, "/v1/chat/completions", R"({"model":"m"})", {{"anthropic-beta", "b"}});
  EXPECT_TRUE(router_.requests()[1].client_headers().empty());
}

TEST_F(GatewayTest, MessagesErrorsKeepAnthropicShapeOnEveryPath) {
  auto bad = Send(http::verb::post, "/v1/messages", "{not json");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body())["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(router_.requests().empty());
  // An upstream error body in OpenAI's shape (a router-made one) changes shape.
  router_.SetScript({{Head(503, false, "application/json"),
                      Data(R"({"error":{"message":"down","type":"x","param":null,"code":null}})")},
                     absl::OkStatus()});
  auto upstream = Send(http::verb::post, "/v1/messages/count_tokens", R"({"model":"m"})");
  EXPECT_EQ(upstream.result_int(), 503);
  EXPECT_EQ(upstream.body(),
            R"({"type":"error","error":{"type":"overloaded_error","message":"down"}})");
  // After the stream started: an `error` event.
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("event: ping\ndata: {}\n\n")},
                     absl::UnavailableError("upstream: connection reset")});
  auto stream = Send(http::verb::post, "/v1/messages", R"({"model":"m"})");
  EXPECT_NE(stream.body().find("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                               "\"overloaded_error\""),
            std::string::npos)
      << stream.body();
}

TEST_F(GatewayTest, ModelsListHasTheOpenAiShape) {
  auto response = Send(http::verb::get, "/v1/models");
  ASSERT_EQ(response.result_int(), 200);
  auto body = nlohmann::json::parse(response.body());
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["data"][0]["id"], "[fake]m");
  EXPECT_EQ(body["data"][0]["object"], "model");
  EXPECT_EQ(Send(http::verb::get, "/v1/models/%5Bfake%5Dm").result_int(), 200);
  EXPECT_EQ(Send(http::verb::get, "/v1/models/nope").result_int(), 404);
}

TEST_F(GatewayTest, ReadinessFollowsTheRouter) {
  EXPECT_EQ(Send(http::verb::get, "/readyz").result_int(), 200);
  router_.ready = false;
  EXPECT_EQ(Send(http::verb::get, "/readyz").result_int(), 503);
}

// The all-in-one's hang: the router finishes a waiting call from inside Cancel(), on the I/O
// thread that cancels it; the gateway must not hold a lock of its own there.
TEST_F(GatewayTest, ClientsGivingUpWhileTheRouterWaitsLeaveTheServerResponsive) {
  router_.finish_inside_cancel = true;
  router_.SetScript({{}, absl::OkStatus(), /*hang=*/true});
  constexpr int kClients = 4;
  for (int i = 0; i < kClients; ++i) SendAndGiveUp(R"({"model":"[up]busy","messages":[]})");
  for (int i = 0; i < 500 && router_.cancelled_calls.load() < kClients; ++i) {
    EXPECT_EQ(GetWithin("/healthz", std::chrono::seconds(2)), 200);
  }
  EXPECT_EQ(router_.cancelled_calls.load(), kClients);
  EXPECT_EQ(GetWithin("/healthz", std::chrono::seconds(2)), 200);
}

TEST_F(GatewayTest, ClientGivingUpMidStreamWithTheFinishInsideCancel) {
  router_.finish_inside_cancel = true;
  router_.SetScript({{Head(200, true, "text/event-stream"), Data("data: 1\n\n")},
                     absl::OkStatus(),
                     /*hang=*/true});
  SendAndGiveUp(R"({"model":"m","stream":true})");
  for (int i = 0; i < 500 && router_.cancelled_calls.load() < 1; ++i) {
    EXPECT_EQ(GetWithin("/healthz", std::chrono::seconds(2)), 200);
  }
  EXPECT_EQ(router_.cancelled_calls.load(), 1);
}

// A client that sends its whole body before reading (as undici does) must get the 413, not a
// connection reset: the gateway answers, then reads and discards what is still coming.
TEST_F(GatewayTest, TooLargeBodyGetsItsAnswerWhileTheClientIsStillSending) {
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
  const size_t size = 64u << 20;  // over the 32 MiB default limit
  std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(size) + "\r\n\r\n";
  net::write(socket, net::buffer(head));
  std::string piece(1 << 20, 'x');
  beast::error_code ec;
  for (size_t sent = 0; sent < size && !ec; sent += piece.size()) {
    net::write(socket, net::buffer(piece), ec);
  }
  EXPECT_FALSE(ec) << "the gateway reset the connection while the body was sent: " << ec.message();
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_NE(response.body().find("request_too_large"), std::string::npos) << response.body();
}

// Edge errors (405, 413, 431) on Messages paths come in Anthropic's shape, elsewhere OpenAI's.
void ExpectAnthropicError(const http::response<http::string_body>& response, int status,
                          const std::string& type) {
  EXPECT_EQ(response.result_int(), status);
  auto body = nlohmann::json::parse(response.body(), nullptr, false);
  EXPECT_EQ(body["type"], "error") << response.body();
  EXPECT_EQ(body["error"]["type"], type) << response.body();
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
}

TEST_F(GatewayTest, EdgeErrorsOnMessagesPathsHaveAnthropicShape) {
  ExpectAnthropicError(Send(http::verb::get, "/v1/messages"), 405, "invalid_request_error");
  ExpectAnthropicError(Send(http::verb::delete_, "/v1/messages/count_tokens?beta=true"), 405,
                       "invalid_request_error");
  std::vector<std::pair<std::string, std::string>> big = {{"x-big", std::string(20000, 'a')}};
  ExpectAnthropicError(Send(http::verb::post, "/v1/messages?beta=true", "{}", big), 431,
                       "invalid_request_error");
  auto openai = Send(http::verb::post, "/v1/chat/completions", "{}", big);
  EXPECT_EQ(openai.result_int(), 431);
  EXPECT_TRUE(nlohmann::json::parse(openai.body())["error"].contains("code")) << openai.body();
  openai = Send(http::verb::put, "/v1/messagesx");
  EXPECT_EQ(openai.result_int(), 405);
  EXPECT_TRUE(nlohmann::json::parse(openai.body())["error"].contains("code")) << openai.body();
  // 413: the declared length alone is over the limit.
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server_->port())});
  net::write(socket, net::buffer(std::string("POST /v1/messages HTTP/1.1\r\nHost: t\r\n"
                                             "Content-Length: 67108864\r\n\r\n")));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  http::read(socket, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  ExpectAnthropicError(response, 413, "request_too_large");
}

TEST_F(GatewayTest, UnknownEndpointsShareTheRouteLabelOther) {
  router_.SetScript({{Head(400, false, "application/json"), Data("{}")}, absl::OkStatus()});
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Send(http::verb::post, "/v1/junk-route-" + std::to_string(i), "{}").result_int(),
              400);
  }
  ASSERT_EQ(Send(http::verb::post, "/v1/files/file-abc/content", "{}").result_int(), 400);
  std::string text = MetricsRegistry::Global().Exposition();
  EXPECT_EQ(text.find("junk-route"), std::string::npos);
  EXPECT_EQ(text.find("file-abc"), std::string::npos);
  EXPECT_NE(
      text.find(R"(llmsrouter_http_requests_total{route="other",status="400",provider="none"})"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(route="files/*")"), std::string::npos);
}

TEST(GatewayMetricsPortTest, ApiPortAnswers404ForMetricsWhenTheyHaveTheirOwnPort) {
  FakeRouterClient router;
  for (bool on_api_port : {true, false}) {
    Gateway gateway(&router, nullptr, GatewayOptions{.metrics_on_api_port = on_api_port});
    auto server = web::HttpServer::Start("127.0.0.1:0", 1, HttpLimits{},
                                         [&](std::shared_ptr<HttpSession> s, HttpRequest r) {
                                           gateway.Handle(std::move(s), std::move(r));
                                         });
    ASSERT_TRUE(server.ok()) << server.status();
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), static_cast<uint16_t>((*server)->port())});
    http::request<http::string_body> request{http::verb::get, "/metrics", 11};
    request.set(http::field::host, "test");
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    EXPECT_EQ(response.result_int(), on_api_port ? 200 : 404);
    (*server)->Stop();
  }
}

TEST_F(GatewayTest, HostileBodiesAreRefusedBeforeTheRouter) {
  std::string deep = R"({"model":"[up]ok","messages":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  auto response = Send(http::verb::post, "/v1/chat/completions", deep);
  EXPECT_EQ(response.result_int(), 400);
  EXPECT_EQ(nlohmann::json::parse(response.body())["error"]["code"], "json_too_deep");
  std::string bad_utf8 = "{\"model\":\"m\",\"messages\":[{\"content\":\"\xff\xfe\xc3\"}]}";
  EXPECT_EQ(Send(http::verb::post, "/v1/chat/completions", bad_utf8).result_int(), 400);
  std::string huge_field = R"({"model":")" + std::string(8 << 20, 'x') + R"("})";
  router_.SetScript({{Head(200, false, "application/json"), Data("{}")}, absl::OkStatus()});
  EXPECT_EQ(Send(http::verb::post, "/v1/chat/completions", huge_field).result_int(), 200);
  EXPECT_EQ(router_.requests().size(), 1u);  // only the well-formed one reached the router
}

TEST(QueryParamTest, DecodesValues) {
  EXPECT_EQ(QueryParam("a=1&proxy=open%2Dai&b", "proxy"), "open-ai");
  EXPECT_EQ(QueryParam("proxy=a+b", "proxy"), "a b");
  EXPECT_EQ(QueryParam("x=1", "proxy"), "");
  EXPECT_EQ(QueryParam("proxy=%zz", "proxy"), "%zz");
}

TEST(SplitHostPortTest, ParsesAndRejects) {
  EXPECT_EQ(web::SplitHostPort("127.0.0.1:8000")->second, 8000);
  EXPECT_EQ(web::SplitHostPort(":9")->first, "0.0.0.0");
  EXPECT_EQ(web::SplitHostPort("[::1]:9")->first, "::1");
  EXPECT_FALSE(web::SplitHostPort("nohost").ok());
  EXPECT_FALSE(web::SplitHostPort("h:99999").ok());
}

}  // namespace
}  // namespace llmsrouter::gateway
