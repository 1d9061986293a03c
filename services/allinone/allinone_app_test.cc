#include "services/allinone/allinone_app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/http/http_types.h"

namespace llmsrouter::allinone {
namespace {

namespace net = web::net;
namespace http = web::http;

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One POST over a fresh connection; the status code.
int Post(int port, const std::string& target, const std::string& body,
         const std::string& request_id) {
  net::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  request.set("X-Request-Id", request_id);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response.result_int();
}

bool Refuses(int port) {
  net::io_context io;
  net::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  return static_cast<bool>(ec);
}

AllInOneOptions TestOptions(const std::string& config, const std::string& traces) {
  AllInOneOptions options;
  options.gateway.listen = "127.0.0.1:0";
  options.gateway.threads = 2;
  options.gateway.drain_timeout = absl::Seconds(5);
  options.router.config_path = config;
  options.router.env = [](std::string_view) { return std::optional<std::string>(); };
  options.router.watch_interval = absl::ZeroDuration();
  options.tracer.jsonl_path = traces;
  options.grpc_listen = "127.0.0.1:0";
  return options;
}

// The order is what keeps the last calls' traces: they travel from the router to the tracer
// over the in-process gRPC channel, so the server carrying it must stop last.
TEST(AllInOneAppTest, StopsInOrderAndKeepsTheTraceOfTheLastCall) {
  std::string config = TempPath("allinone_config.yaml");
  std::string traces = TempPath("allinone_traces.jsonl");
  std::remove(traces.c_str());
  // Nothing listens on port 1: the call fails upstream, and is traced all the same.
  std::ofstream(config) << "servers:\n  down:\n    url: \"http://127.0.0.1:1/v1\"\n"
                           "    retries: {max: 0}\n";
  auto app = AllInOneApp::Start(TestOptions(config, traces));
  ASSERT_TRUE(app.ok()) << app.status();
  int port = (*app)->port();
  EXPECT_GT((*app)->grpc_port(), 0);
  EXPECT_FALSE((*app)->accounts());
  EXPECT_EQ(
      Post(port, "/v1/chat/completions", R"({"model":"[down]m","messages":[]})", "stop-order-call"),
      502);

  EXPECT_TRUE((*app)->Stop());
  EXPECT_EQ((*app)->stop_steps(),
            (std::vector<std::string>{"gateway drain", "router shutdown", "loops stop",
                                      "router traces flush", "tracer export", "grpc shutdown"}));
  EXPECT_TRUE(Refuses(port));
  EXPECT_NE(ReadFile(traces).find("stop-order-call"), std::string::npos) << ReadFile(traces);
  EXPECT_TRUE((*app)->Stop());  // once: a second call does nothing
  EXPECT_EQ((*app)->stop_steps().size(), 6u);
}

TEST(AllInOneAppTest, AnUnreadableConfigIsAnErrorAndNothingKeepsRunning) {
  auto app = AllInOneApp::Start(TestOptions(TempPath("no_such_config.yaml"), "-"));
  EXPECT_FALSE(app.ok());
}

}  // namespace
}  // namespace llmsrouter::allinone
