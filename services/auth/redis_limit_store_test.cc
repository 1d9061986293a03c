// The Lua scripts against a real redis-server.
#include "services/auth/redis_limit_store.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "common/user_limits.h"
#include "services/auth/testing/redis_server.h"

namespace llmsrouter::auth {
namespace {

constexpr int64_t kNow = 1795780800000;  // 2026-11-27T12:00:00Z

class RedisLimitStoreTest : public ::testing::Test {
 protected:
  RedisLimitStoreTest()
      : redis_(RedisUserStore::Options{
            .address = *ParseRedisUrl(server_.url()),
            .prefix = "t:" +
                      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                      ":"}),
        store_(&redis_, LimitStoreOptions{.parallel_lease = absl::Seconds(30)}) {}

  v1::AdmitRequest Request(const std::string& call, int64_t tokens = 10, int64_t cost = 0) {
    v1::AdmitRequest r;
    r.set_user("alice");
    r.set_call_id(call);
    *r.mutable_limits() = limits_;
    r.set_estimated_tokens(tokens);
    r.set_estimated_cost_micros(cost);
    return r;
  }

  v1::SettleRequest Settlement(const v1::AdmitRequest& admit, const v1::AdmitResponse& admitted,
                               int64_t prompt, int64_t completion, int64_t cost = 0) {
    v1::SettleRequest s;
    s.set_user(admit.user());
    s.set_call_id(admit.call_id());
    s.set_reservation(admitted.reservation());
    s.set_estimated_tokens(admit.estimated_tokens());
    s.set_estimated_cost_micros(admit.estimated_cost_micros());
    s.set_model("[openai]gpt-4o");
    s.set_charged(true);
    s.set_prompt_tokens(prompt);
    s.set_completion_tokens(completion);
    s.set_cost_micros(cost);
    return s;
  }

  testing::RedisServer server_;
  RedisUserStore redis_;
  RedisLimitStore store_;
  v1::Limits limits_;
};

TEST_F(RedisLimitStoreTest, RpmAdmitsExactlyTheLimitUnderConcurrency) {
  limits_.set_rpm(50);
  std::atomic<int> admitted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = store_.Admit(Request("c" + std::to_string(t * 100 + i)), kNow + i);
        ASSERT_TRUE(r.ok()) << r.status();
        (r->admitted() ? admitted : refused)++;
        if (!r->admitted()) EXPECT_EQ(r->refused(), "rpm");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 50);
  EXPECT_EQ(refused.load(), 150);
  // The window slides: a minute after the first admissions they are free again.
  auto later = store_.Admit(Request("later"), kNow + 60001 + 24);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->admitted());
}

TEST_F(RedisLimitStoreTest, RefusalCarriesHeadersAndRetry) {
  limits_.set_rpm(1);
  limits_.set_tpm(100);
  ASSERT_TRUE(store_.Admit(Request("a"), kNow)->admitted());
  auto r = store_.Admit(Request("b"), kNow + 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->admitted());
  EXPECT_EQ(r->refused(), "rpm");
  EXPECT_EQ(r->retry_after_ms(), 59000);
  EXPECT_EQ(r->headers().at("x-ratelimit-limit-requests"), "1");
  EXPECT_EQ(r->headers().at("x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(r->headers().at("x-ratelimit-reset-requests"), "59s");
  EXPECT_EQ(r->headers().at("x-ratelimit-limit-tokens"), "100");
  EXPECT_EQ(r->headers().at("x-ratelimit-remaining-tokens"), "90");
  EXPECT_NE(r->message().find("Limit 1, Used 1"), std::string::npos) << r->message();
}

TEST_F(RedisLimitStoreTest, TpmSettlesToTheRealUsageAndRefusesTheCrossingCall) {
  limits_.set_tpm(100);
  auto first = Request("a", 60);
  auto admitted = store_.Admit(first, kNow);
  ASSERT_TRUE(admitted->admitted());
  // 60 reserved: a second call of 60 would cross the limit.
  EXPECT_EQ(store_.Admit(Request("b", 60), kNow + 1)->refused(), "tpm");
  // The first used 20 only: the refund makes room.
  ASSERT_TRUE(store_.Settle(Settlement(first, *admitted, 15, 5), kNow + 2).ok());
  auto second = store_.Admit(Request("c", 60), kNow + 3);
  ASSERT_TRUE(second->admitted());
  EXPECT_EQ(second->headers().at("x-ratelimit-remaining-tokens"), "20");
  EXPECT_EQ(store_.Admit(Request("d", 21), kNow + 4)->refused(), "tpm");
  // The next minute admits again.
  EXPECT_TRUE(store_.Admit(Request("e", 60), kNow + 60000)->admitted());
}

TEST_F(RedisLimitStoreTest, ParallelSlotsAreFreedBySettlementOrLeaseExpiry) {
  limits_.set_parallel(2);
  auto a = Request("a");
  auto admitted_a = store_.Admit(a, kNow);
  ASSERT_TRUE(admitted_a->admitted());
  ASSERT_TRUE(store_.Admit(Request("b"), kNow)->admitted());
  EXPECT_EQ(store_.Admit(Request("c"), kNow)->refused(), "parallel");
  ASSERT_TRUE(store_.Settle(Settlement(a, *admitted_a, 1, 1), kNow).ok());
  EXPECT_TRUE(store_.Admit(Request("d"), kNow)->admitted());
  EXPECT_EQ(store_.Admit(Request("e"), kNow)->refused(), "parallel");
  // "b" and "d" never settle (their replica died): their leases end after 30 s.
  EXPECT_TRUE(store_.Admit(Request("f"), kNow + 30001)->admitted());
}

TEST_F(RedisLimitStoreTest, BudgetReservesWorstCaseAndSettlesToTheRealCost) {
  limits_.set_budget_usd(1.0);
  limits_.set_budget_period("day");
  auto a = Request("a", 10, 600000);  // $0.60 worst case
  auto admitted = store_.Admit(a, kNow);
  ASSERT_TRUE(admitted->admitted());
  auto refused = store_.Admit(Request("b", 10, 600000), kNow);
  EXPECT_EQ(refused->refused(), "budget");
  EXPECT_EQ(refused->retry_after_ms(), 12 * 3600 * 1000);
  EXPECT_NE(refused->message().find("resets at 2026-11-28T00:00:00Z"), std::string::npos)
      << refused->message();
  ASSERT_TRUE(store_.Settle(Settlement(a, *admitted, 10, 10, 100000), kNow).ok());  // $0.10
  EXPECT_TRUE(store_.Admit(Request("c", 10, 600000), kNow)->admitted());            // 0.70 <= 1
  EXPECT_EQ(store_.Admit(Request("d", 10, 400000), kNow)->refused(), "budget");
  // The next day has a fresh budget.
  EXPECT_TRUE(store_.Admit(Request("e", 10, 600000), kNow + 12 * 3600 * 1000)->admitted());
}

TEST_F(RedisLimitStoreTest, NegativeEstimateIsRefusedBeforeAnyWrite) {
  limits_.set_rpm(1);
  limits_.set_tpm(100);
  // A wrapped (negative) estimate must not pass the tpm check nor leave the rpm entry behind.
  auto bad = store_.Admit(Request("a", -5), kNow);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_EQ(store_.Admit(Request("b", 10, -1), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto good = store_.Admit(Request("c", 100), kNow);  // the rpm slot and tpm are untouched
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE(good->admitted());
  auto s = Settlement(Request("c", 100), *good, 10, 10);
  s.set_cost_micros(-7);
  EXPECT_EQ(store_.Settle(s, kNow).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisLimitStoreTest, SettlementIsIdempotentAndNeverRefundsBelowZero) {
  limits_.set_budget_usd(1.0);
  limits_.set_budget_period("day");
  limits_.set_tpm(1000);
  auto spent = [&] {
    auto r = redis_.Command({"GET", redis_.prefix() + "limit:alice:spent:d2026-11-27"});
    int64_t n = -1;
    if (r.ok() && (*r)->type == REDIS_REPLY_STRING) ParseInt(std::string_view((*r)->str), &n);
    return n;
  };
  auto a = Request("a", 10, 600000);  // $0.60 worst case
  auto admitted = store_.Admit(a, kNow);
  ASSERT_TRUE(admitted->admitted());
  EXPECT_EQ(store_.Admit(a, kNow).status().code(), absl::StatusCode::kInvalidArgument)
      << "a call id is admitted once";
  ASSERT_TRUE(store_.Settle(Settlement(a, *admitted, 10, 10, 100000), kNow).ok());
  ASSERT_TRUE(store_.Settle(Settlement(a, *admitted, 10, 10, 100000), kNow).ok());
  EXPECT_EQ(spent(), 100000);
  // A forged settlement claiming a huge reservation of a call that was never admitted
  // refunds nothing: what a call reserved is read from the store's own record.
  auto forged = Settlement(Request("x", 1'000'000, 1'000'000'000'000'000), *admitted, 0, 0);
  forged.set_charged(false);
  ASSERT_TRUE(store_.Settle(forged, kNow).ok());
  EXPECT_EQ(spent(), 100000);
  // A refund larger than what is left never pushes spend below zero.
  ASSERT_TRUE(redis_.Command({"SET", redis_.prefix() + "limit:alice:spent:d2026-11-27", "5"}).ok());
  auto b = Request("b", 10, 300000);
  auto admitted_b = store_.Admit(b, kNow);
  ASSERT_TRUE(admitted_b->admitted());
  ASSERT_TRUE(redis_.Command({"SET", redis_.prefix() + "limit:alice:spent:d2026-11-27", "5"}).ok());
  ASSERT_TRUE(store_.Settle(Settlement(b, *admitted_b, 1, 1, 0), kNow).ok());
  EXPECT_EQ(spent(), 0);
}

TEST_F(RedisLimitStoreTest, LargeAmountsStayExactIntegers) {
  limits_.set_budget_usd(kMaxBudgetUsd);  // 1e15 micro-USD
  limits_.set_budget_period("total");
  // Lua numbers print as 2e+14 by default: every amount must reach Redis as digits.
  auto a = Request("a", 123'456'789'012, 200'000'000'000'001);
  auto admitted = store_.Admit(a, kNow);
  ASSERT_TRUE(admitted.ok()) << admitted.status();
  ASSERT_TRUE(admitted->admitted());
  ASSERT_TRUE(store_.Settle(Settlement(a, *admitted, 1, 1, 100'000'000'000'003), kNow).ok());
  auto r = redis_.Command({"GET", redis_.prefix() + "limit:alice:spent:total"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ((*r)->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string((*r)->str, (*r)->len), "100000000000003");
}

TEST_F(RedisLimitStoreTest, SettlementRecordsSpendPerDayUserAndModel) {
  v1::SettleRequest s;  // a user without limits: no reservation, spend only
  s.set_user("bob");
  s.set_call_id("x");
  s.set_model("[openai]gpt-4o");
  s.set_charged(true);
  s.set_prompt_tokens(100);
  s.set_cached_tokens(40);
  s.set_completion_tokens(7);
  s.set_cost_micros(1234);
  ASSERT_TRUE(store_.Settle(s, kNow).ok());
  ASSERT_TRUE(store_.Settle(s, kNow).ok());  // a repeated settlement is recorded once
  s.set_call_id("y");
  s.set_estimated(true);
  ASSERT_TRUE(store_.Settle(s, kNow).ok());
  s.set_charged(false);  // failed upstream: not charged, not counted
  ASSERT_TRUE(store_.Settle(s, kNow).ok());
  v1::GetUsageRequest q;
  q.set_since("2026-11-27");
  q.set_until("2026-11-27");
  auto usage = store_.Usage(q);
  ASSERT_TRUE(usage.ok()) << usage.status();
  ASSERT_EQ(usage->rows_size(), 1);
  const v1::UsageRow& row = usage->rows(0);
  EXPECT_EQ(row.day(), "2026-11-27");
  EXPECT_EQ(row.user(), "bob");
  EXPECT_EQ(row.model(), "[openai]gpt-4o");
  EXPECT_EQ(row.calls(), 2);
  EXPECT_EQ(row.prompt_tokens(), 200);
  EXPECT_EQ(row.cached_tokens(), 80);
  EXPECT_EQ(row.completion_tokens(), 14);
  EXPECT_EQ(row.cost_micros(), 2468);
  EXPECT_EQ(row.estimated_calls(), 1);
  q.set_user("carol");
  EXPECT_EQ(store_.Usage(q)->rows_size(), 0);
  q.set_since("2026-11-28");
  EXPECT_EQ(store_.Usage(q).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(RedisLimitStoreTest, UnreachableRedisIsUnavailableAndRecovers) {
  limits_.set_rpm(5);
  server_.Stop();
  auto r = store_.Admit(Request("a"), kNow);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_.Start());
  // The store retries the connection after its short backoff.
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<v1::AdmitResponse> again = r;
  while (!again.ok() && absl::Now() < deadline) again = store_.Admit(Request("b"), kNow);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->admitted());
}

}  // namespace
}  // namespace llmsrouter::auth
