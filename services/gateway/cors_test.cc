#include "services/gateway/cors.h"

#include <gtest/gtest.h>

#include "common/http/http_server.h"
#include "common/testing/fake_auth_client.h"
#include "common/testing/fake_env.h"
#include "services/gateway/gateway.h"
#include "services/gateway/gateway_flags.h"
#include "services/gateway/testing/exchange.h"
#include "services/gateway/testing/fake_router_client.h"

namespace llmsrouter::gateway {
namespace {

TEST(CorsPolicyTest, ParsesOriginsAndRefusesWhatIsNoOrigin) {
  EXPECT_FALSE(CorsPolicy::Parse("")->enabled());
  auto list = CorsPolicy::Parse(" https://App.example.com , http://localhost:3000");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->Allows("https://app.example.com"));
  EXPECT_TRUE(list->Allows("http://localhost:3000"));
  EXPECT_FALSE(list->Allows("http://localhost:3001"));
  EXPECT_FALSE(list->Allows("https://app.example.com.evil.test"));
  EXPECT_FALSE(list->Allows("null"));
  auto any = CorsPolicy::Parse("*");
  EXPECT_TRUE(any->Allows("https://anything.test"));
  EXPECT_FALSE(any->Allows("null"));  // a sandboxed page or a file is never trusted
  for (const char* bad : {"app.example.com", "https://app.example.com/", "ftp://x",
                          "https://a.test/path", "https://a b"}) {
    auto parsed = CorsPolicy::Parse(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CorsPolicyTest, ABadFlagStopsTheStart) {
  auto options =
      Options::Parse(GatewayFlagSpecs(), {"--cors-origins", "https://a.test/app"}, FakeEnv({}), {});
  ASSERT_TRUE(options.ok()) << options.status();
  auto gateway = GatewayOptionsFrom(*options);
  EXPECT_EQ(gateway.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(gateway.status().message().find("--cors-origins"), absl::string_view::npos);
}

TEST(CorsPolicyTest, PreflightEchoesTheAskedHeadersOnlyWhenTheyAreHeaderNames) {
  auto policy = *CorsPolicy::Parse("https://a.test");
  HttpRequest request{http::verb::options, "/v1/chat/completions", 11};
  request.set("Access-Control-Request-Method", "POST");
  request.set("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os");
  auto answer = policy.Preflight(request, "https://a.test");
  EXPECT_EQ(answer.result_int(), 204);
  EXPECT_EQ(answer["Access-Control-Allow-Origin"], "https://a.test");
  EXPECT_EQ(answer["Access-Control-Allow-Headers"], "authorization, content-type, x-stainless-os");
  EXPECT_NE(answer["Access-Control-Allow-Methods"].find("POST"), beast::string_view::npos);
  request.set("Access-Control-Request-Headers", "x\r\nSet-Cookie: a=b");
  auto odd = policy.Preflight(request, "https://a.test");
  EXPECT_EQ(odd["Access-Control-Allow-Headers"].find("Set-Cookie"), beast::string_view::npos);
  EXPECT_NE(odd["Access-Control-Allow-Headers"].find("Authorization"), beast::string_view::npos);
}

// Through a gateway with accounts on, over loopback.
class GatewayCorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_.keys["good"] = AuthInfo{"alice", {"*"}, true};
    GatewayOptions options;
    options.accounts = true;
    options.cors = *CorsPolicy::Parse("https://app.test");
    gateway_ = std::make_unique<Gateway>(&router_, &auth_, options);
    auto server = web::HttpServer::Start("127.0.0.1:0", 1, HttpLimits{},
                                         [this](std::shared_ptr<HttpSession> s, HttpRequest r) {
                                           gateway_->Handle(std::move(s), std::move(r));
                                         });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  http::response<http::string_body> Send(
      http::verb method, const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> request{method, "/v1/chat/completions", 11};
    for (const auto& [name, value] : headers) request.set(name, value);
    if (method == http::verb::post) request.body() = R"({"model":"m"})";
    return Exchange(server_->port(), std::move(request));
  }

  FakeAuthClient auth_;
  FakeRouterClient router_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<web::HttpServer> server_;
};

TEST_F(GatewayCorsTest, PreflightNeedsNoKeyAndReachesNoRouter) {
  auto answer = Send(http::verb::options, {{"Origin", "https://app.test"},
                                           {"Access-Control-Request-Method", "POST"},
                                           {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(answer.result_int(), 204);
  EXPECT_EQ(answer["Access-Control-Allow-Origin"], "https://app.test");
  EXPECT_EQ(answer["Access-Control-Allow-Headers"], "authorization");
  EXPECT_TRUE(router_.requests().empty());
  auto other = Send(http::verb::options,
                    {{"Origin", "https://evil.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(other.result_int(), 403);
  EXPECT_TRUE(other["Access-Control-Allow-Origin"].empty());
}

TEST_F(GatewayCorsTest, EveryAnswerToAnAllowedOriginCarriesTheHeaders) {
  router_.SetScript({{[] {
                       router::v1::CallResponse m;
                       m.mutable_head()->set_status(200);
                       m.mutable_head()->set_stream(true);
                       m.mutable_head()->set_content_type("text/event-stream");
                       return m;
                     }()},
                     absl::OkStatus()});
  auto streamed =
      Send(http::verb::post, {{"Origin", "https://app.test"}, {"Authorization", "Bearer good"}});
  EXPECT_EQ(streamed.result_int(), 200);
  EXPECT_EQ(streamed["Access-Control-Allow-Origin"], "https://app.test");
  EXPECT_EQ(streamed["Access-Control-Expose-Headers"], "*");
  auto refused =
      Send(http::verb::post, {{"Origin", "https://app.test"}, {"Authorization", "Bearer bad"}});
  EXPECT_EQ(refused.result_int(), 401);  // the page can read why
  EXPECT_EQ(refused["Access-Control-Allow-Origin"], "https://app.test");
  auto foreign =
      Send(http::verb::post, {{"Origin", "https://evil.test"}, {"Authorization", "Bearer good"}});
  EXPECT_TRUE(foreign["Access-Control-Allow-Origin"].empty());
  auto plain = Send(http::verb::post, {{"Authorization", "Bearer good"}});  // no Origin
  EXPECT_TRUE(plain["Access-Control-Allow-Origin"].empty());
}

TEST_F(GatewayCorsTest, OffByDefaultOptionsIsNotAllowed) {
  Gateway gateway(&router_);
  auto server = web::HttpServer::Start("127.0.0.1:0", 1, HttpLimits{},
                                       [&](std::shared_ptr<HttpSession> s, HttpRequest r) {
                                         gateway.Handle(std::move(s), std::move(r));
                                       });
  ASSERT_TRUE(server.ok());
  server_ = *std::move(server);
  auto answer = Send(http::verb::options,
                     {{"Origin", "https://app.test"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(answer.result_int(), 405);
  EXPECT_TRUE(answer["Access-Control-Allow-Origin"].empty());
  server_.reset();
}

}  // namespace
}  // namespace llmsrouter::gateway
