// Where a limited user's admission time goes: one EVALSHA of the admission script on a
// blocking hiredis connection (one Redis round trip, the floor), the same through
// PipelinedRedis (+ the hand-off to its thread and back), and RedisLimitsClient::Admit (+
// building the arguments and parsing the reply); then 8 callers at once (pipelining). Run:
//   cmake --build build --target admission_bench && build/bin/admission_bench
// Prints microseconds (p50, p99) per admission.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "common/limits/limit_scripts.h"
#include "common/redis/pipelined_redis.h"
#include "common/redis_url.h"
#include "common/testing/redis_server.h"
#include "services/router/redis_limits_client.h"

namespace {

using llmsrouter::PipelinedRedis;
using llmsrouter::RedisReplyPtr;
namespace limits = llmsrouter::limits;

constexpr int kCalls = 5000;

struct Percentiles {
  double p50, p99;
};

Percentiles Measure(int calls, const std::function<void(int)>& one) {
  std::vector<double> us;
  us.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    auto start = std::chrono::steady_clock::now();
    one(i);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

llmsrouter::auth::v1::AdmitRequest Request(int i) {
  llmsrouter::auth::v1::AdmitRequest r;
  r.set_user("bench");
  r.set_call_id("c" + std::to_string(i));
  r.mutable_limits()->set_rpm(1'000'000'000);
  r.mutable_limits()->set_tpm(1'000'000'000'000);
  r.set_estimated_tokens(100);
  return r;
}

std::vector<std::string> Args(int i, int64_t now_ms) {
  auto r = Request(i);
  return limits::AdmitArgs("bench:", r, now_ms, 600000, limits::AdmitWindow(r, now_ms));
}

void Print(const char* what, Percentiles p) {
  std::printf("%-58s p50 %7.1f us   p99 %7.1f us\n", what, p.p50, p.p99);
}

}  // namespace

int main() {
  llmsrouter::testing::RedisServer server;
  int64_t now_ms = absl::ToUnixMillis(absl::Now());
  redisContext* c = redisConnect("127.0.0.1", server.port());
  llmsrouter::RedisReplyPtr loaded(static_cast<redisReply*>(redisCommand(
      c, "SCRIPT LOAD %b", limits::AdmitScript().data(), limits::AdmitScript().size())));
  int offset = 0;
  Print("blocking hiredis EVALSHA (one round trip)", Measure(kCalls, [&](int i) {
          std::vector<std::string> args = Args(offset + i, now_ms);
          args.insert(args.begin(), {"EVALSHA", limits::AdmitSha(), "0"});
          llmsrouter::RedisCommand(c, args);
        }));
  offset += kCalls;

  PipelinedRedis::Options o;
  o.connector.address = *llmsrouter::ParseRedisUrl(server.url());
  o.preload_scripts = {limits::AdmitScript()};
  PipelinedRedis redis(o);
  auto eval = [&](int i) {
    absl::Notification done;
    redis.Eval(limits::AdmitScript(), limits::AdmitSha(), Args(i, now_ms),
               absl::Now() + absl::Seconds(5),
               [&](absl::StatusOr<RedisReplyPtr>) { done.Notify(); });
    done.WaitForNotification();
  };
  eval(offset++);  // connect
  Print("PipelinedRedis Eval (+ thread hand-off and back)",
        Measure(kCalls, [&](int i) { eval(offset + i); }));
  offset += kCalls;

  llmsrouter::router::RedisLimitsClient client(&redis, llmsrouter::SystemClock::Get(),
                                               {.prefix = "bench:"});
  Print("RedisLimitsClient::Admit (+ arguments, reply parsing)", Measure(kCalls, [&](int i) {
          absl::Notification done;
          client.Admit(Request(offset + i),
                       [&](absl::StatusOr<llmsrouter::auth::v1::AdmitResponse>) { done.Notify(); });
          done.WaitForNotification();
        }));
  offset += kCalls;

  // 8 callers at once: each admission waits for its own reply; batches form by themselves.
  constexpr int kThreads = 8;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls / kThreads; ++i) eval(offset + t * kCalls + i);
    });
  }
  for (auto& t : threads) t.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("PipelinedRedis, %d callers at once: %.0f admissions/s\n", kThreads, kCalls / s);
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    std::vector<std::string> args = Args(offset + 100000 + i, now_ms);
    args.insert(args.begin(), {"EVALSHA", limits::AdmitSha(), "0"});
    llmsrouter::RedisCommand(c, args);
  }
  s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("blocking hiredis, one caller: %.0f admissions/s\n", kCalls / s);
  redisFree(c);
  return 0;
}
