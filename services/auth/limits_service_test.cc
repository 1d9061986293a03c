#include "services/auth/limits_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/strings.h"
#include "services/auth/testing/fake_user_store.h"
#include "services/auth/testing/local_grpc_server.h"

namespace llmsrouter::auth {
namespace {

// Counts what reaches the store.
class CountingLimitStore : public LimitStore {
 public:
  absl::StatusOr<v1::AdmitResponse> Admit(const v1::AdmitRequest&, int64_t) override {
    ++admits;
    v1::AdmitResponse out;
    out.set_admitted(true);
    return out;
  }
  absl::Status Settle(const v1::SettleRequest&, int64_t) override {
    ++settles;
    return absl::OkStatus();
  }
  absl::StatusOr<v1::GetUsageResponse> Usage(const v1::GetUsageRequest&) override {
    return v1::GetUsageResponse();
  }
  absl::StatusOr<int64_t> Renew(const v1::RenewRequest& request, int64_t) override {
    return request.leases_size();
  }
  std::atomic<int> admits{0}, settles{0};
};

constexpr char kToken[] = "router-service-token-0123456789";

// LimitsService on a real gRPC server (loopback port), trusting the router's service token,
// its single worker held by the test.
class LimitsServiceTest : public ::testing::Test {
 protected:
  LimitsServiceTest()
      : workers_(/*threads=*/1),
        trust_(TrustPolicy{.service_token = kToken}),
        service_(AuthDeps{.store = &users_, .workers = &workers_, .limits = &limits_}, &trust_) {
    testing::LocalGrpcServer local = testing::StartLocalGrpcServer(&service_);
    server_ = std::move(local.server);
    stub_ = v1::LimitsService::NewStub(local.channel);
  }
  ~LimitsServiceTest() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    server_->Shutdown();
  }

  void HoldTheWorker() { ASSERT_TRUE(testing::HoldAWorker(workers_, release_)); }
  // Frees the worker and waits until everything queued before now has run.
  void Drain() {
    release_.Notify();
    absl::Notification done;
    ASSERT_TRUE(workers_.Post([&] { done.Notify(); }).ok());
    done.WaitForNotification();
  }
  // The router's context: the service token, and a deadline.
  static void ShortDeadline(grpc::ClientContext* context) {
    context->AddMetadata(kServiceTokenMetadata, kToken);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  }

  FakeUserStore users_;
  CountingLimitStore limits_;
  absl::Notification release_;
  WorkerPool workers_;
  CallerTrust trust_;
  LimitsService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::LimitsService::Stub> stub_;
};

TEST_F(LimitsServiceTest, AdmissionIsSkippedOnceTheCallerGaveUp) {
  HoldTheWorker();
  grpc::ClientContext context;
  ShortDeadline(&context);
  v1::AdmitRequest request;
  request.set_user("alice");
  request.set_call_id("c1");
  v1::AdmitResponse response;
  grpc::Status status = stub_->Admit(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server's copy of the deadline counts from when the call arrived (a little later
  // under load): the condition is the clock passing it, with room for that transit.
  while (std::chrono::system_clock::now() < context.deadline() + std::chrono::seconds(1)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  Drain();
  EXPECT_EQ(limits_.admits.load(), 0) << "a reservation nobody would settle was made";
}

TEST_F(LimitsServiceTest, SettlementRunsEvenAfterTheCallerGaveUp) {
  HoldTheWorker();
  grpc::ClientContext context;
  ShortDeadline(&context);
  v1::SettleRequest request;
  request.set_user("alice");
  request.set_call_id("c1");
  v1::SettleResponse response;
  EXPECT_EQ(stub_->Settle(&context, request, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  Drain();
  EXPECT_EQ(limits_.settles.load(), 1);
  grpc::ClientContext in_time;
  in_time.AddMetadata(kServiceTokenMetadata, kToken);
  v1::AdmitRequest admit;
  admit.set_user("alice");
  admit.set_call_id("c2");
  v1::AdmitResponse admitted;
  ASSERT_TRUE(stub_->Admit(&in_time, admit, &admitted).ok());
  EXPECT_EQ(limits_.admits.load(), 1);
}

TEST_F(LimitsServiceTest, OnlyTheRouterMayAdmitOrSettle) {
  v1::AdmitRequest admit;
  admit.set_user("alice");
  admit.set_call_id("c1");
  v1::AdmitResponse admitted;
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->Admit(&anonymous, admit, &admitted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext wrong;
  wrong.AddMetadata(kServiceTokenMetadata, "not-the-router-token-at-all");
  v1::SettleRequest settle;
  settle.set_user("alice");
  settle.set_call_id("c1");
  v1::SettleResponse settled;
  EXPECT_EQ(stub_->Settle(&wrong, settle, &settled).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Drain();
  EXPECT_EQ(limits_.admits.load(), 0);
  EXPECT_EQ(limits_.settles.load(), 0);
  grpc::ClientContext router;
  router.AddMetadata(kServiceTokenMetadata, kToken);
  EXPECT_TRUE(stub_->Admit(&router, admit, &admitted).ok());
  EXPECT_EQ(limits_.admits.load(), 1);
}

}  // namespace
}  // namespace llmsrouter::auth
