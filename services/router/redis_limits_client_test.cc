// The router's own admission and settlement against a real redis-server.
#include "services/router/redis_limits_client.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "absl/synchronization/notification.h"
#include "common/limits/limit_scripts.h"
#include "common/redis_url.h"
#include "common/testing/fake_clock.h"
#include "common/testing/redis_server.h"
#include "common/testing/redis_text.h"

namespace llmsrouter::router {
namespace {

class RedisLimitsClientTest : public ::testing::Test {
 protected:
  RedisLimitsClientTest() {
    clock_.now = absl::FromUnixMillis(1795780800000);  // 2026-11-27T12:00:00Z
    PipelinedRedis::Options o;
    o.connector.address = *ParseRedisUrl(server_.url());
    o.connector.connect_timeout = absl::Milliseconds(200);
    o.connector.command_timeout = absl::Milliseconds(500);
    o.preload_scripts = {limits::AdmitScript(), limits::SettleScript(), limits::RenewScript()};
    redis_ = std::make_unique<PipelinedRedis>(o);
    client_ = std::make_unique<RedisLimitsClient>(redis_.get(), clock_, RedisLimitsOptions{});
  }

  auth::v1::AdmitRequest Request(const std::string& call, int64_t tokens = 10) {
    auth::v1::AdmitRequest r;
    r.set_user("alice");
    r.set_call_id(call);
    *r.mutable_limits() = limits_;
    r.set_estimated_tokens(tokens);
    return r;
  }

  absl::StatusOr<auth::v1::AdmitResponse> Admit(auth::v1::AdmitRequest request) {
    absl::Notification done;
    absl::StatusOr<auth::v1::AdmitResponse> out = absl::UnknownError("not done");
    client_->Admit(std::move(request), [&](absl::StatusOr<auth::v1::AdmitResponse> r) {
      out = std::move(r);
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return out;
  }

  // A Redis command on the test's own connection (after what the client queued: one thread,
  // one connection, in order).
  std::string Get(std::vector<std::string> args) {
    return ::llmsrouter::testing::RedisText(*redis_, std::move(args));
  }

  testing::RedisServer server_;
  FakeClock clock_;
  std::unique_ptr<PipelinedRedis> redis_;
  std::unique_ptr<RedisLimitsClient> client_;
  auth::v1::Limits limits_;
};

TEST_F(RedisLimitsClientTest, AdmitsUpToTheLimitThenRefusesWithHeaders) {
  limits_.set_rpm(2);
  ASSERT_TRUE(Admit(Request("a"))->admitted());
  ASSERT_TRUE(Admit(Request("b"))->admitted());
  auto refused = Admit(Request("c"));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_FALSE(refused->admitted());
  EXPECT_EQ(refused->refused(), "rpm");
  EXPECT_EQ(refused->headers().at("x-ratelimit-remaining-requests"), "0");
  EXPECT_NE(refused->message().find("Limit 2, Used 2"), std::string::npos) << refused->message();
  // The same keys as the auth service's store.
  EXPECT_EQ(Get({"ZCARD", "llmsrouter:limit:alice:rpm"}), "2");
}

TEST_F(RedisLimitsClientTest, SettlementFreesTheSlotAndRecordsTheSpend) {
  limits_.set_parallel(1);
  auto first = Admit(Request("a"));
  ASSERT_TRUE(first.ok() && first->admitted());
  EXPECT_EQ(Admit(Request("b"))->refused(), "parallel");
  auth::v1::SettleRequest settle;
  settle.set_user("alice");
  settle.set_call_id("a");
  settle.set_model("[openai]gpt-4o");
  settle.set_charged(true);
  settle.set_prompt_tokens(12);
  settle.set_cached_tokens(2);
  settle.set_completion_tokens(30);
  settle.set_cost_micros(450);
  client_->Settle(settle);
  EXPECT_EQ(Get({"ZCARD", "llmsrouter:limit:alice:par"}), "0");
  EXPECT_EQ(Get({"EXISTS", "llmsrouter:limit:alice:res:a"}), "0");
  EXPECT_TRUE(Admit(Request("c"))->admitted());
  std::string row = "alice\t[openai]gpt-4o\t";
  EXPECT_EQ(Get({"HGET", "llmsrouter:usage:2026-11-27", row + "prompt"}), "12");
  EXPECT_EQ(Get({"HGET", "llmsrouter:usage:2026-11-27", row + "cached"}), "2");
  EXPECT_EQ(Get({"HGET", "llmsrouter:usage:2026-11-27", row + "completion"}), "30");
  EXPECT_EQ(Get({"HGET", "llmsrouter:usage:2026-11-27", row + "cost"}), "450");
  EXPECT_EQ(Get({"HGET", "llmsrouter:usage:2026-11-27", row + "calls"}), "1");
}

TEST_F(RedisLimitsClientTest, RenewalExtendsTheLeaseOfARunningCallOnly) {
  limits_.set_parallel(2);
  auto admitted = Admit(Request("a"));
  ASSERT_TRUE(admitted.ok() && admitted->admitted());
  EXPECT_EQ(admitted->lease_ms(), absl::ToInt64Milliseconds(RedisLimitsOptions{}.parallel_lease));
  clock_.now += absl::Minutes(9);
  auth::v1::RenewRequest renew;
  auth::v1::RenewLease* lease = renew.add_leases();
  lease->set_user("alice");
  lease->set_call_id("a");
  lease = renew.add_leases();  // never admitted: nothing to renew, nothing created
  lease->set_user("alice");
  lease->set_call_id("ghost");
  client_->Renew(renew);
  int64_t until = absl::ToUnixMillis(clock_.now + RedisLimitsOptions{}.parallel_lease);
  EXPECT_EQ(Get({"ZSCORE", "llmsrouter:limit:alice:par", "a"}), std::to_string(until));
  EXPECT_EQ(Get({"ZCARD", "llmsrouter:limit:alice:par"}), "1");
  EXPECT_EQ(Get({"EXISTS", "llmsrouter:limit:alice:res:ghost"}), "0");
}

TEST_F(RedisLimitsClientTest, SettlementsHaveNoDeadline) {
  limits_.set_parallel(1);
  ASSERT_TRUE(Admit(Request("a"))->admitted());
  // Admissions of this client would be late before they are sent; its settlements never are.
  RedisLimitsClient late(redis_.get(), clock_, {.deadline = absl::Seconds(-1)});
  auth::v1::SettleRequest release;
  release.set_user("alice");
  release.set_call_id("a");
  late.Settle(release);
  EXPECT_EQ(Get({"EXISTS", "llmsrouter:limit:alice:res:a"}), "0") << "the release was dropped";
  EXPECT_TRUE(Admit(Request("b"))->admitted());
}

// A release that Redis runs before its own admission (the admission went out on a connection
// closed after its deadline, and Redis ran it late) leaves a tombstone: the late admission
// reserves nothing, so no parallel slot or budget stays taken until the lease ends.
TEST_F(RedisLimitsClientTest, AReleaseThatOvertookItsAdmissionKeepsItFromReserving) {
  limits_.set_parallel(1);
  limits_.set_tpm(100);
  auth::v1::SettleRequest release;
  release.set_user("alice");
  release.set_call_id("a");
  client_->Settle(release);
  EXPECT_EQ(Get({"GET", "llmsrouter:limit:alice:res:a"}), "released");
  auto late = Admit(Request("a", 40));
  EXPECT_FALSE(late.ok() && late->admitted());
  EXPECT_EQ(Get({"ZCARD", "llmsrouter:limit:alice:par"}), "0");
  EXPECT_EQ(Get({"EXISTS", "llmsrouter:limit:alice:tpm:" +
                               std::to_string(absl::ToUnixMillis(clock_.now) / 60000)}),
            "0");
  // A second release of the same id keeps the tombstone; other calls are admitted.
  client_->Settle(release);
  EXPECT_EQ(Get({"GET", "llmsrouter:limit:alice:res:a"}), "released");
  EXPECT_TRUE(Admit(Request("b"))->admitted());
}

TEST_F(RedisLimitsClientTest, ABadEstimateIsInvalidArgument) {
  limits_.set_tpm(100);
  auto r = Admit(Request("a", -5));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
}

TEST_F(RedisLimitsClientTest, RedisDownIsUnavailableThenRecovers) {
  limits_.set_rpm(10);
  server_.Stop();
  auto down = Admit(Request("a"));
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  client_->Settle(auth::v1::SettleRequest());  // counted and logged, never hangs
  ASSERT_TRUE(server_.Start());
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::StatusOr<auth::v1::AdmitResponse> back = down;
  for (int i = 0; !back.ok() && absl::Now() < deadline; ++i) {
    back = Admit(Request("b" + std::to_string(i)));
  }
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->admitted());
}

}  // namespace
}  // namespace llmsrouter::router
