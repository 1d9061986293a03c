// PipelinedRedis against a real redis-server on a free loopback port.
#include "common/redis/pipelined_redis.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/redis_url.h"
#include "common/strings.h"
#include "common/testing/redis_server.h"
#include "common/testing/redis_text.h"

namespace llmsrouter {
namespace {

constexpr char kEcho[] = "return ARGV[1]";
constexpr char kEchoSha[] = "a0d5e8a8d4d7e3b8e0b5d2b5d0e9c1a4a0b0c0d0";  // not its SHA: forces EVAL

absl::Time Soon() { return absl::Now() + absl::Seconds(5); }

// Waits for one command's outcome.
class Outcome {
 public:
  PipelinedRedis::Done Callback() {
    return [this](absl::StatusOr<RedisReplyPtr> r) {
      result_ = std::move(r);
      done_.Notify();
    };
  }
  absl::StatusOr<RedisReplyPtr>& Get() {
    EXPECT_TRUE(done_.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return result_;
  }

 private:
  absl::Notification done_;
  absl::StatusOr<RedisReplyPtr> result_ = absl::UnknownError("not done");
};

class PipelinedRedisTest : public ::testing::Test {
 protected:
  PipelinedRedis::Options Opts() {
    PipelinedRedis::Options o;
    o.connector.address = *ParseRedisUrl(server_.url());
    o.connector.connect_timeout = absl::Milliseconds(200);
    o.connector.command_timeout = absl::Milliseconds(500);
    o.reconnect_backoff = absl::Milliseconds(50);
    return o;
  }
  absl::StatusOr<RedisReplyPtr> Run(PipelinedRedis& redis, std::vector<std::string> args) {
    Outcome out;
    redis.Command(std::move(args), Soon(), out.Callback());
    return std::move(out.Get());
  }
  std::string Text(PipelinedRedis& redis, std::vector<std::string> args) {
    absl::Status status;
    std::string text = testing::RedisText(redis, std::move(args), &status);
    return status.ok() ? text : status.ToString();
  }

  testing::RedisServer server_;
};

TEST_F(PipelinedRedisTest, ManyThreadsRepliesInOrder) {
  constexpr int kThreads = 4, kEach = 500;
  std::atomic<int> ok{0}, wrong{0};
  absl::Mutex mu;
  int completed = 0;
  PipelinedRedis redis(Opts());  // joined before the state its callbacks touch goes away
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string value = StrCat(t, ":", i);
        redis.Command({"ECHO", value}, Soon(), [&, value](absl::StatusOr<RedisReplyPtr> r) {
          bool same = r.ok() && std::string_view((*r)->str, (*r)->len) == value;
          (same ? ok : wrong)++;
          absl::MutexLock lock(&mu);
          ++completed;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  absl::MutexLock lock(&mu);
  auto all = [&] { return completed == kThreads * kEach; };
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(20)));
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(PipelinedRedisTest, ErrorRepliesComeBackAsReplies) {
  PipelinedRedis redis(Opts());
  auto r = Run(redis, {"NOSUCHCOMMAND"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)->type, REDIS_REPLY_ERROR);
  EXPECT_EQ(Text(redis, {"SET", "k", "v"}), "OK");  // the connection is still good
}

TEST_F(PipelinedRedisTest, NoScriptLoadsWithEvalOnce) {
  PipelinedRedis redis(Opts());
  static const std::string script = kEcho;
  for (const char* word : {"one", "two"}) {
    Outcome out;
    redis.Eval(script, kEchoSha, {word}, Soon(), out.Callback());
    auto& r = out.Get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(std::string_view((*r)->str, (*r)->len), word);
  }
  // Each EVALSHA with an unknown SHA was answered NOSCRIPT and resent as EVAL.
  std::string stats = Text(redis, {"INFO", "commandstats"});
  EXPECT_NE(stats.find("cmdstat_eval:calls=2"), std::string::npos) << stats;
}

TEST_F(PipelinedRedisTest, PreloadedScriptsNeedNoEval) {
  static const std::string script = "return 'preloaded'";
  PipelinedRedis::Options o = Opts();
  o.preload_scripts = {script};
  PipelinedRedis redis(o);
  ASSERT_EQ(Text(redis, {"PING"}), "PONG");  // connected: the script is loaded
  std::string sha = Text(redis, {"SCRIPT", "LOAD", script});
  Outcome out;
  redis.Eval(script, sha, {}, Soon(), out.Callback());
  auto& r = out.Get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string_view((*r)->str, (*r)->len), "preloaded");
  std::string stats = Text(redis, {"INFO", "commandstats"});
  EXPECT_EQ(stats.find("cmdstat_eval:"), std::string::npos) << stats;
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=1"), std::string::npos) << stats;
}

// A script that answers a failover error the first `n` times it runs.
constexpr char kReadOnlyTimes[] =
    "if redis.call('INCR', KEYS[1]) <= tonumber(ARGV[1]) then "
    "return redis.error_reply('READONLY You can\\'t write against a read only replica.') end "
    "return 'ran'";

TEST_F(PipelinedRedisTest, FailoverReplyIsResentOnceOnANewConnection) {
  PipelinedRedis redis(Opts());
  Outcome failover, other;
  redis.Command({"EVAL", kReadOnlyTimes, "1", "tries", "1"}, Soon(), failover.Callback());
  redis.Command({"INCR", "other"}, Soon(), other.Callback());
  auto& r = failover.Get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string_view((*r)->str, (*r)->len), "ran");
  ASSERT_TRUE(other.Get().ok());
  EXPECT_EQ(Text(redis, {"GET", "tries"}), "2");
  EXPECT_EQ(Text(redis, {"GET", "other"}), "1") << "the rest of the batch is not resent";
}

TEST_F(PipelinedRedisTest, SecondFailoverReplyIsUnavailable) {
  PipelinedRedis redis(Opts());
  Outcome out;
  redis.Command({"EVAL", kReadOnlyTimes, "1", "tries", "5"}, Soon(), out.Callback());
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Text(redis, {"GET", "tries"}), "2") << "resent once, not more";
}

TEST_F(PipelinedRedisTest, PassedDeadlineIsNotSent) {
  PipelinedRedis redis(Opts());
  Outcome out;
  redis.Command({"INCR", "late"}, absl::Now() - absl::Seconds(1), out.Callback());
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Text(redis, {"EXISTS", "late"}), "0");
}

TEST_F(PipelinedRedisTest, DeadlinePassedDuringTheConnectIsNotSent) {
  PipelinedRedis admin(Opts());
  ASSERT_EQ(Text(admin, {"CLIENT", "PAUSE", "300", "ALL"}), "OK");
  PipelinedRedis::Options o = Opts();
  o.connector.command_timeout = absl::Seconds(5);
  o.preload_scripts = {kEcho};  // the connect waits for the pause to end
  PipelinedRedis redis(o);
  Outcome out;
  redis.Command({"INCR", "late"}, absl::Now() + absl::Milliseconds(100), out.Callback());
  EXPECT_EQ(out.Get().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Text(admin, {"EXISTS", "late"}), "0");
}

TEST_F(PipelinedRedisTest, FullQueueFailsInsideTheCall) {
  PipelinedRedis::Options o = Opts();
  o.max_queued = 0;
  PipelinedRedis redis(o);
  bool ran = false;
  absl::Status status;
  redis.Command({"PING"}, Soon(), [&](absl::StatusOr<RedisReplyPtr> r) {
    ran = true;
    status = r.status();
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(PipelinedRedisTest, CallbackMayQueueAnotherCommand) {
  PipelinedRedis redis(Opts());
  Outcome second;
  redis.Command({"SET", "a", "1"}, Soon(), [&](absl::StatusOr<RedisReplyPtr> r) {
    ASSERT_TRUE(r.ok());
    redis.Command({"GET", "a"}, Soon(), second.Callback());
  });
  auto& r = second.Get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(std::string_view((*r)->str, (*r)->len), "1");
}

TEST_F(PipelinedRedisTest, StopSendsWhatIsQueuedThenRefuses) {
  auto redis = std::make_unique<PipelinedRedis>(Opts());
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; ++i) {
    redis->Command({"INCR", "n"}, Soon(), [&](absl::StatusOr<RedisReplyPtr> r) {
      if (r.ok()) ok++;
    });
  }
  redis->Stop();
  EXPECT_EQ(ok.load(), 200);
  bool refused = false;
  redis->Command({"PING"}, Soon(), [&](absl::StatusOr<RedisReplyPtr> r) {
    refused = r.status().code() == absl::StatusCode::kUnavailable;
  });
  EXPECT_TRUE(refused);
  redis.reset();
  PipelinedRedis check(Opts());
  EXPECT_EQ(Text(check, {"GET", "n"}), "200");
}

TEST_F(PipelinedRedisTest, RedisKilledMidRunFailsFastAndRecovers) {
  PipelinedRedis redis(Opts());
  EXPECT_EQ(Text(redis, {"SET", "k", "1"}), "OK");
  server_.Stop();
  auto down = Run(redis, {"GET", "k"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable) << down.status();
  // Within the backoff, a command fails at once with the same reason.
  auto again = Run(redis, {"GET", "k"});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  ASSERT_TRUE(server_.Start());
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::StatusOr<RedisReplyPtr> back = absl::UnavailableError("not tried");
  while (!back.ok() && absl::Now() < deadline) back = Run(redis, {"SET", "k", "2"});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Text(redis, {"GET", "k"}), "2");
}

TEST_F(PipelinedRedisTest, UnreachableFromTheStartIsUnavailable) {
  server_.Stop();
  PipelinedRedis redis(Opts());
  auto r = Run(redis, {"PING"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("unreachable"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace llmsrouter
