// AdminService over a real loopback gRPC server with an in-memory store.
#include "services/auth/admin_service.h"

#include <gtest/gtest.h>

#include "common/grpc_channel.h"
#include "common/grpc_server.h"
#include "common/testing/fake_clock.h"
#include "services/auth/testing/fake_user_store.h"

namespace llmsrouter::auth {
namespace {

class AdminServiceTest : public ::testing::Test {
 protected:
  void Start(AdminOptions options) {
    service_ = std::make_unique<AdminService>(
        AuthDeps{&store_, &authenticator_, &workers_, &clock_}, std::move(options));
    auto server = StartGrpcServer("127.0.0.1:0", {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server->server);
    stub_ =
        v1::AdminService::NewStub(MakeServiceChannel("127.0.0.1:" + std::to_string(server->port)));
  }
  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  // One admin call with `token`.
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const std::string& token, const Request& request,
                    Response* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    return (stub_.get()->*method)(&context, request, response);
  }
  grpc::Status Add(const std::string& token, const std::string& name) {
    v1::AddUserRequest request;
    request.set_name(name);
    v1::UserWithKey response;
    return Call(&v1::AdminService::Stub::AddUser, token, request, &response);
  }
  grpc::Status Delete(const std::string& token, const std::string& name) {
    v1::DeleteUserRequest request;
    request.set_name(name);
    v1::DeleteUserResponse response;
    return Call(&v1::AdminService::Stub::DeleteUser, token, request, &response);
  }
  std::vector<v1::AuditEntry> Audit(const std::string& token) {
    v1::ListAuditRequest request;
    v1::ListAuditResponse response;
    grpc::Status status = Call(&v1::AdminService::Stub::ListAudit, token, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.entries().begin(), response.entries().end()};
  }

  FakeUserStore store_;
  FakeClock clock_;
  Authenticator authenticator_{&store_, &clock_};
  WorkerPool workers_{2};
  std::unique_ptr<AdminService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AdminService::Stub> stub_;
};

TEST_F(AdminServiceTest, RecordsWhoDidWhatFromWhereAndTheOutcome) {
  Start({.tokens = {{"admin", "token-a"}, {"ops", "token-o"}}});
  ASSERT_TRUE(Add("token-o", "alice").ok());
  EXPECT_EQ(Delete("token-a", "nobody").error_code(), grpc::StatusCode::NOT_FOUND);
  auto entries = Audit("token-a");
  ASSERT_GE(entries.size(), 2u);
  // Newest first: the delete, then the add (the listing itself is recorded after it ran).
  EXPECT_EQ(entries[0].who(), "admin");
  EXPECT_EQ(entries[0].action(), "DeleteUser");
  EXPECT_EQ(entries[0].target(), "nobody");
  EXPECT_EQ(entries[0].outcome(), "NOT_FOUND");
  EXPECT_EQ(entries[1].who(), "ops");
  EXPECT_EQ(entries[1].action(), "AddUser");
  EXPECT_EQ(entries[1].target(), "alice");
  EXPECT_EQ(entries[1].outcome(), "OK");
  EXPECT_NE(entries[1].from().find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(entries[1].unix_ms(), 1000000);  // the fake clock's time
}

TEST_F(AdminServiceTest, WrongTokenIsRefusedAndNotStored) {
  Start({.tokens = {{"admin", "token-a"}}});
  EXPECT_EQ(Add("token-b", "mallory").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Add("", "mallory").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto entries = Audit("token-a");
  for (const auto& e : entries) EXPECT_NE(e.target(), "mallory");
}

TEST_F(AdminServiceTest, RefusedOverPlaintextOffLoopbackAndWhenOff) {
  Start({.tokens = {{"admin", "token-a"}}, .transport_ok = false});
  grpc::Status status = Add("token-a", "alice");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("TLS"), std::string::npos);
  TearDown();
  Start({});
  EXPECT_EQ(Add("token-a", "alice").error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace llmsrouter::auth
