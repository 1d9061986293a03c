// GrpcAuthClient (common/auth_client) against a real AuthService on loopback: read your own
// writes for User-Bypass, and the key deciding whose override is changed.
#include <gtest/gtest.h>

#include <future>

#include "common/auth_client.h"
#include "common/grpc_channel.h"
#include "common/grpc_server.h"
#include "common/testing/fake_clock.h"
#include "services/auth/api_key.h"
#include "services/auth/auth_service.h"
#include "services/auth/testing/fake_user_store.h"

namespace llmsrouter::auth {
namespace {

class AuthClientBypassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"alice", "eve"}) {
      User user;
      user.name = name;
      user.permissions = {"fake"};
      user.key_hash = HashApiKey(std::string("llmr-key-of-") + name);
      ASSERT_TRUE(store_.AddUser(user).ok());
    }
    auto server = StartGrpcServer("127.0.0.1:0", {&service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server->server);
    client_ = std::make_unique<GrpcAuthClient>(
        MakeServiceChannel("127.0.0.1:" + std::to_string(server->port)), absl::Milliseconds(500),
        &client_clock_);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  absl::StatusOr<AuthInfo> Authenticate(const std::string& key) {
    std::promise<absl::StatusOr<AuthInfo>> done;
    client_->Authenticate(key, "127.0.0.1", [&](absl::StatusOr<AuthInfo> r) { done.set_value(r); });
    return done.get_future().get();
  }
  absl::StatusOr<std::string> SetBypass(const std::string& key, const std::string& user,
                                        const std::string& model) {
    std::promise<absl::StatusOr<std::string>> done;
    client_->SetBypass(key, user, model, [&](absl::StatusOr<std::string> r) { done.set_value(r); });
    return done.get_future().get();
  }

  FakeUserStore store_;
  FakeClock clock_;
  FakeClock client_clock_;
  Authenticator authenticator_{&store_, &clock_};
  WorkerPool workers_{2};
  AuthService service_{AuthDeps{&store_, &authenticator_, &workers_, &clock_}};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<GrpcAuthClient> client_;
};

TEST_F(AuthClientBypassTest, TheReplicaThatSetABypassUsesItAtOnce) {
  auto before = Authenticate("llmr-key-of-alice");
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->bypass_model, "");
  ASSERT_TRUE(SetBypass("llmr-key-of-alice", "alice", "[fake]mini").ok());
  // From the client's own cache (the store is down): the new model, not the cached old one.
  store_.down = true;
  auto after = Authenticate("llmr-key-of-alice");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->bypass_model, "[fake]mini");
  // Its lifetime was renewed, but it still ends.
  client_clock_.now += absl::Milliseconds(600);
  EXPECT_FALSE(Authenticate("llmr-key-of-alice").ok());
}

TEST_F(AuthClientBypassTest, OnlyTheKeyOfTheUserChangesItsBypass) {
  EXPECT_EQ(SetBypass("", "alice", "[fake]x").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(SetBypass("llmr-key-of-eve", "alice", "[fake]x").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto alice = store_.GetUser("alice");
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->bypass_model, "");
  EXPECT_TRUE(SetBypass("llmr-key-of-eve", "", "[fake]y").ok());  // its own
  EXPECT_EQ(store_.GetUser("eve")->bypass_model, "[fake]y");
}

}  // namespace
}  // namespace llmsrouter::auth
