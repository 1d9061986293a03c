// Real TLS handshakes on 127.0.0.1 with certificates made by tests/tls/make_certs.sh.
#include "common/grpc_tls.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/grpc_channel.h"
#include "common/grpc_server.h"
#include "common/service_identity.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace llmsrouter {
namespace {

class GrpcTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/llmsrouter-tls-" + std::to_string(getpid()));
    std::string command = std::string(LLMSROUTER_SOURCE_DIR) + "/tests/tls/make_certs.sh " + *dir_;
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  static std::string File(const std::string& name) { return *dir_ + "/" + name; }
  static TlsFiles Identity(const std::string& name, const std::string& ca) {
    return {File(name + ".pem"), File(name + ".key"), ca.empty() ? "" : File(ca + ".pem")};
  }

  // Starts a server with `tls`; returns its address.
  std::string Serve(const TlsFiles& tls) {
    auto credentials = MakeServerCredentials(tls);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    auto server = StartGrpcServer("127.0.0.1:0", {}, *credentials);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(server->server);
    return "127.0.0.1:" + std::to_string(server->port);
  }

  // A health check over a channel made with `tls`; OK when the handshake and call succeed.
  static grpc::Status Check(const std::string& address, const TlsFiles& tls) {
    auto channel = MakeServiceChannel(address, {tls, ""});
    EXPECT_TRUE(channel.ok()) << channel.status();
    auto stub = grpc::health::v1::Health::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(&context, request, &response);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  static std::string* dir_;
  std::unique_ptr<grpc::Server> server_;
};

std::string* GrpcTlsTest::dir_ = nullptr;

TEST_F(GrpcTlsTest, TlsServerRefusesPlaintextClients) {
  std::string address = Serve(Identity("server", ""));
  EXPECT_TRUE(Check(address, {"", "", File("ca.pem")}).ok());
  EXPECT_FALSE(Check(address, TlsFiles{}).ok());
}

TEST_F(GrpcTlsTest, ClientRefusesAServerFromAnotherCa) {
  std::string address = Serve(Identity("server2", ""));
  EXPECT_FALSE(Check(address, {"", "", File("ca.pem")}).ok());
  EXPECT_TRUE(Check(address, {"", "", File("ca2.pem")}).ok());
}

TEST_F(GrpcTlsTest, MutualTlsRefusesClientsWithoutACertificateFromItsCa) {
  std::string address = Serve(Identity("server", "ca"));
  EXPECT_TRUE(Check(address, Identity("client", "ca")).ok());
  EXPECT_FALSE(Check(address, {"", "", File("ca.pem")}).ok());  // no client certificate
  TlsFiles impostor = Identity("impostor", "");
  impostor.ca = File("ca.pem");  // trusts the server, but its own certificate is from CA 2
  EXPECT_FALSE(Check(address, impostor).ok());
  EXPECT_FALSE(Check(address, TlsFiles{}).ok());
}

TEST(GrpcTlsConfigTest, RefusesIncompleteOrUnreadableFiles) {
  EXPECT_EQ(MakeServerCredentials({"/nonexistent.pem", "/nonexistent.key", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeServerCredentials({"", "", "/some/ca.pem"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeChannelCredentials({"/a.pem", "/a.key", ""}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeServerCredentials(TlsFiles{}).ok());
  EXPECT_TRUE(MakeChannelCredentials(TlsFiles{}).ok());
  EXPECT_EQ(ServerTlsMode(TlsFiles{}), "off");
  EXPECT_EQ(ServerTlsMode({"c", "k", ""}), "on");
  EXPECT_EQ(ServerTlsMode({"c", "k", "ca"}), "mutual");
}

TEST_F(GrpcTlsTest, AMultiAddressTargetVerifiesItsFirstAddress) {
  std::string address = Serve(Identity("server", ""));
  // The certificate names 127.0.0.1: the authority of an ipv4: list is its first address.
  EXPECT_TRUE(Check("ipv4:" + address + "," + address, {"", "", File("ca.pem")}).ok());
}

TEST_F(GrpcTlsTest, ServerNameOverridesTheNameVerified) {
  std::string address = Serve(Identity("server", ""));
  TlsFiles named{"", "", File("ca.pem")};
  named.server_name = "localhost";  // in the certificate
  EXPECT_TRUE(Check("ipv4:" + address, named).ok());
  named.server_name = "router.elsewhere";  // not in it
  EXPECT_FALSE(Check("ipv4:" + address, named).ok());
}

}  // namespace
}  // namespace llmsrouter
