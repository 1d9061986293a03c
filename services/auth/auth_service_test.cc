#include "services/auth/auth_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "common/strings.h"
#include "services/auth/api_key.h"
#include "services/auth/testing/fake_user_store.h"
#include "services/auth/testing/local_grpc_server.h"

namespace llmsrouter::auth {
namespace {

// AuthService on a real in-process gRPC server (port 0), its worker pool held by the test.
class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest()
      : authenticator_(&store_, &SystemClock::Get()),
        workers_(/*threads=*/1, /*max_queued=*/1),
        service_(AuthDeps{&store_, &authenticator_, &workers_, &SystemClock::Get()}) {
    testing::LocalGrpcServer local = testing::StartLocalGrpcServer(&service_);
    server_ = std::move(local.server);
    stub_ = v1::AuthService::NewStub(local.channel);
  }
  ~AuthServiceTest() override {
    release_.Notify();
    server_->Shutdown();
  }

  grpc::Status Authenticate(const std::string& key) {
    grpc::ClientContext context;
    v1::AuthenticateRequest request;
    request.set_api_key(key);
    v1::AuthenticateResponse response;
    return stub_->Authenticate(&context, request, &response);
  }

  // Takes the only worker thread and the only queue place until the test ends.
  void FillTheWorkers() {
    ASSERT_TRUE(testing::HoldAWorker(workers_, release_));
    ASSERT_TRUE(workers_.Post([] {}).ok());
  }

  FakeUserStore store_;
  Authenticator authenticator_;
  absl::Notification release_;
  WorkerPool workers_;
  AuthService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AuthService::Stub> stub_;
};

TEST_F(AuthServiceTest, AFullWorkerQueueAnswersUnavailableAtOnce) {
  auto key = GenerateApiKey();  // well-formed and not cached: needs the store
  ASSERT_TRUE(key.ok());
  FillTheWorkers();
  grpc::Status status = Authenticate(*key);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("worker thread"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(workers_.refused(), 1u);
  EXPECT_EQ(store_.lookups, 0);  // refused before the store was asked
}

TEST_F(AuthServiceTest, WithRoomTheStoreIsAsked) {
  auto key = GenerateApiKey();
  ASSERT_TRUE(key.ok());
  grpc::Status status = Authenticate(*key);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_EQ(store_.lookups, 1);
  EXPECT_EQ(workers_.refused(), 0u);
}

}  // namespace
}  // namespace llmsrouter::auth
