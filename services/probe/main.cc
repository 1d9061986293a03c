// llmsrouter-probe: container health checks without curl or grpc_health_probe in the image.
//   llmsrouter-probe grpc HOST:PORT          grpc.health.v1 Check == SERVING
//   llmsrouter-probe http HOST:PORT [PATH]   GET PATH (default /healthz) answers 2xx
#include <iostream>

#include "common/grpc_channel.h"
#include "common/http/http_types.h"
#include "common/options.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace {

// TLS from the same environment as the service probed (LLMSROUTER_TLS_CERT/KEY/CA).
absl::StatusOr<std::shared_ptr<grpc::Channel>> ProbeChannel(const std::string& address) {
  auto options =
      llmsrouter::Options::Parse(llmsrouter::TlsFlagSpecs(), {}, llmsrouter::ProcessEnv(), {});
  if (!options.ok()) return options.status();
  auto tls = llmsrouter::TlsFilesFrom(*options);
  if (!tls.ok()) return tls.status();
  return llmsrouter::MakeServiceChannel(address, {*tls, ""});
}

int ProbeGrpc(const std::string& address) {
  auto channel = ProbeChannel(address);
  if (!channel.ok()) {
    std::cerr << channel.status().message() << "\n";
    return 2;
  }
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok() || response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    std::cerr << "not serving: " << status.error_message() << "\n";
    return 1;
  }
  return 0;
}

int ProbeHttp(const std::string& address, const std::string& path) {
  using namespace llmsrouter::web;
  try {
    size_t colon = address.rfind(':');
    net::io_context io;
    net::ip::tcp::resolver resolver(io);
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(2));
    stream.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
    http::request<http::empty_body> request{http::verb::get, path, 11};
    request.set(http::field::host, address);
    http::write(stream, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    if (response.result_int() / 100 != 2) {
      std::cerr << "HTTP " << response.result_int() << "\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string kind = argc > 1 ? argv[1] : "";
  if (argc < 3 || (kind != "grpc" && kind != "http")) {
    std::cerr << "usage: llmsrouter-probe grpc HOST:PORT | http HOST:PORT [PATH]\n";
    return 2;
  }
  if (kind == "grpc") return ProbeGrpc(argv[2]);
  return ProbeHttp(argv[2], argc > 3 ? argv[3] : "/healthz");
}
