// Service channels over real sockets: round robin over the addresses of a target, and calls
// that move to a live replica when another is gone.
#include "common/grpc_channel.h"

#include <gtest/gtest.h>

#include "common/grpc_server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace llmsrouter {
namespace {

using grpc::health::v1::HealthCheckResponse;

class GrpcChannelTest : public ::testing::Test {
 protected:
  // A server whose health says `serving`; its "host:port".
  std::string Serve(bool serving) {
    auto server = StartGrpcServer("127.0.0.1:0", {});
    EXPECT_TRUE(server.ok()) << server.status();
    server->server->GetHealthCheckService()->SetServingStatus(serving);
    servers_.push_back(std::move(server->server));
    return "127.0.0.1:" + std::to_string(server->port);
  }

  // The health status one call gets, or UNKNOWN when the call failed.
  static HealthCheckResponse::ServingStatus Check(grpc::health::v1::Health::Stub* stub) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    HealthCheckResponse response;
    if (!stub->Check(&context, request, &response).ok()) return HealthCheckResponse::UNKNOWN;
    return response.status();
  }

  void TearDown() override {
    for (auto& server : servers_) server->Shutdown(std::chrono::system_clock::now());
  }

  std::vector<std::unique_ptr<grpc::Server>> servers_;
};

TEST_F(GrpcChannelTest, SpreadsCallsRoundRobinOverAnIpv4List) {
  std::string serving = Serve(true);
  std::string not_serving = Serve(false);
  auto channel = MakeServiceChannel("ipv4:" + serving + "," + not_serving);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  // Until both subchannels are connected, calls go to the first one ready.
  bool seen_serving = false;
  bool seen_not_serving = false;
  for (int i = 0; i < 200 && !(seen_serving && seen_not_serving); ++i) {
    HealthCheckResponse::ServingStatus status = Check(stub.get());
    seen_serving |= status == HealthCheckResponse::SERVING;
    seen_not_serving |= status == HealthCheckResponse::NOT_SERVING;
  }
  ASSERT_TRUE(seen_serving && seen_not_serving) << "every call went to one server";
  int counts[2] = {0, 0};
  for (int i = 0; i < 20; ++i) {
    counts[Check(stub.get()) == HealthCheckResponse::SERVING ? 0 : 1]++;
  }
  EXPECT_EQ(counts[0], 10);
  EXPECT_EQ(counts[1], 10);
}

TEST_F(GrpcChannelTest, CallsGoToTheLiveReplicaWhenOneIsGone) {
  std::string live = Serve(true);
  std::string gone = Serve(true);
  servers_.back()->Shutdown(std::chrono::system_clock::now());
  servers_.pop_back();
  auto stub = grpc::health::v1::Health::NewStub(MakeServiceChannel("ipv4:" + gone + "," + live));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Check(stub.get()), HealthCheckResponse::SERVING) << "call " << i;
  }
}

TEST_F(GrpcChannelTest, APlainHostPortStillWorks) {
  std::string address = Serve(true);
  auto stub = grpc::health::v1::Health::NewStub(MakeServiceChannel(address));
  EXPECT_EQ(Check(stub.get()), HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace llmsrouter
