#include "common/redis/pipelined_redis.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "common/strings.h"

namespace llmsrouter {
namespace {

bool IsNoScript(const redisReply* reply) {
  return reply->type == REDIS_REPLY_ERROR &&
         std::string_view(reply->str, reply->len).starts_with("NOSCRIPT");
}

void AppendCommand(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& s : args) {
    argv.push_back(s.data());
    lens.push_back(s.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lens.data());
}

}  // namespace

PipelinedRedis::PipelinedRedis(Options options)
    : options_(std::move(options)), connector_(options_.connector) {
  thread_ = std::thread([this] { Run(); });
}

PipelinedRedis::~PipelinedRedis() { Stop(); }

void PipelinedRedis::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  thread_.join();
}

void PipelinedRedis::Command(std::vector<std::string> args, absl::Time deadline, Done done) {
  Enqueue({std::move(args), nullptr, deadline, std::move(done)});
}

void PipelinedRedis::Eval(const std::string& script, const std::string& sha,
                          std::vector<std::string> args, absl::Time deadline, Done done) {
  args.insert(args.begin(), {"EVALSHA", sha, "0"});
  Enqueue({std::move(args), &script, deadline, std::move(done)});
}

void PipelinedRedis::Enqueue(Pending pending) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) {
      refused = absl::UnavailableError("the Redis client is stopped");
    } else if (queue_.size() >= options_.max_queued) {
      refused = absl::UnavailableError(
          StrCat("too many Redis commands waiting (", options_.max_queued, ")"));
    } else {
      queue_.push_back(std::move(pending));
      return;
    }
  }
  std::move(pending.done)(refused);
}

void PipelinedRedis::Run() {
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || stopping_; };
  for (;;) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) {  // stopping, and everything was sent
        stopped_ = true;
        break;
      }
      size_t n = std::min(queue_.size(), options_.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Execute(std::move(batch));
  }
  Disconnect();
}

void PipelinedRedis::DropExpired(std::vector<Pending>& batch) {
  // A command whose caller stopped waiting is not sent (an admission nobody would settle).
  absl::Time now = absl::Now();
  size_t kept = 0;
  for (Pending& p : batch) {
    if (p.deadline < now) {
      std::move(p.done)(absl::DeadlineExceededError("the Redis command waited past its deadline"));
    } else {
      if (&batch[kept] != &p) batch[kept] = std::move(p);
      ++kept;
    }
  }
  batch.resize(kept);
}

void PipelinedRedis::Execute(std::vector<Pending> batch) {
  std::vector<Pending>& live = batch;
  DropExpired(live);
  if (live.empty()) return;
  if (absl::Status s = EnsureConnected(); !s.ok()) return Fail(live, 0, s);
  DropExpired(live);  // a (re)connect may have taken a while
  if (live.empty()) return;
  std::vector<Pending> retry;
  Exchange(live, &retry);
  if (retry.empty()) return;
  if (absl::Status s = EnsureConnected(); !s.ok()) return Fail(retry, 0, s);
  std::vector<Pending> again;  // only what met a NOSCRIPT after a failover resend
  Exchange(retry, &again);
  Fail(again, 0,
       absl::UnavailableError(
           StrCat("Redis at ", connector_.Describe(), " did not run the command after a resend")));
}

void PipelinedRedis::Exchange(std::vector<Pending>& batch, std::vector<Pending>* retry) {
  for (const Pending& p : batch) AppendCommand(context_.get(), p.args);
  bool failover = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      absl::Status s = absl::UnavailableError(
          StrCat("Redis at ", connector_.Describe(), " failed: ", context_->errstr));
      Disconnect();
      return Fail(batch, i, s);
    }
    RedisReplyPtr reply(static_cast<redisReply*>(raw));
    Pending& p = batch[i];
    if (RedisConnector::IsFailoverReply(reply.get())) {
      failover = true;  // the rest of the replies are read; then a new connection
      if (!p.resent) {  // it did not run: once more on the (new) master
        p.resent = true;
        retry->push_back(std::move(p));
        continue;
      }
      std::move(p.done)(absl::UnavailableError(
          StrCat("Redis at ", connector_.Describe(),
                 " is not a writable master: ", std::string_view(reply->str, reply->len))));
    } else if (p.script != nullptr && IsNoScript(reply.get())) {
      p.args[0] = "EVAL";
      p.args[1] = *p.script;
      p.script = nullptr;
      retry->push_back(std::move(p));
    } else {
      std::move(p.done)(std::move(reply));
    }
  }
  if (failover) Disconnect();
}

absl::Status PipelinedRedis::EnsureConnected() {
  if (context_ != nullptr) return absl::OkStatus();
  auto now = std::chrono::steady_clock::now();
  if (now < next_connect_) return last_connect_error_;
  auto context = connector_.Connect();
  if (!context.ok()) {
    next_connect_ = now + absl::ToChronoNanoseconds(options_.reconnect_backoff);
    last_connect_error_ = context.status();
    return last_connect_error_;
  }
  context_ = *std::move(context);
  // Small commands, answered at once: no Nagle delay (hiredis sets it too; be explicit).
  int one = 1;
  setsockopt(context_->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  for (const std::string& script : options_.preload_scripts) {
    RedisCommand(context_.get(), {"SCRIPT", "LOAD", script});  // failing: EVAL when needed
  }
  if (context_->err != 0) {  // the connection broke while loading: as a failed connect
    last_connect_error_ = absl::UnavailableError(
        StrCat("Redis at ", connector_.Describe(), " failed: ", context_->errstr));
    Disconnect();
    next_connect_ = now + absl::ToChronoNanoseconds(options_.reconnect_backoff);
    return last_connect_error_;
  }
  return absl::OkStatus();
}

void PipelinedRedis::Disconnect() { context_.reset(); }

void PipelinedRedis::Fail(std::vector<Pending>& batch, size_t from, const absl::Status& status) {
  for (size_t i = from; i < batch.size(); ++i) std::move(batch[i].done)(status);
}

}  // namespace llmsrouter
