// A Redis command executor for hot paths: callers queue commands without blocking, one
// dedicated thread writes everything queued in one go and reads the replies in order
// (pipelining), then completes each command outside any lock. Sentinel-aware through
// RedisConnector, reconnects by itself. Used by the router for admissions, settlements and
// spend records (docs/LIMITS.md).
//
// Why a thread with a blocking hiredis connection rather than hiredis async on an event loop:
// RedisConnector (Sentinel discovery, AUTH, SELECT, ROLE) is blocking and must never run on a
// call's event loop; the thread batches naturally (whatever arrives while a batch is in flight
// goes out together in the next write); and the callers already post the answer to their own
// loop, so one thread hop is all it costs.
#ifndef LLMSROUTER_COMMON_REDIS_PIPELINED_REDIS_H_
#define LLMSROUTER_COMMON_REDIS_PIPELINED_REDIS_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis_connector.h"

namespace llmsrouter {

class PipelinedRedis {
 public:
  struct Options {
    // Address and the connect/command timeouts (a command's reply is awaited at most
    // `command_timeout`; then the connection counts as broken).
    RedisConnector::Options connector;
    // After a failed connect, commands fail UNAVAILABLE at once for this long.
    absl::Duration reconnect_backoff = absl::Milliseconds(200);
    // Commands waiting beyond this many fail UNAVAILABLE at once (no unbounded memory).
    size_t max_queued = 10000;
    // Commands per write.
    size_t max_batch = 512;
    // Scripts loaded (SCRIPT LOAD) on every new connection, so that EVALSHA finds them. A
    // script Redis still does not know is resent with EVAL, after the rest of its batch: only
    // then may a command complete after one queued behind it.
    std::vector<std::string> preload_scripts;
  };
  // A reply (an error reply included, as a reply of type REDIS_REPLY_ERROR), or UNAVAILABLE
  // (connection trouble, a second failover reply, queue full, stopped) or DEADLINE_EXCEEDED
  // (the deadline passed before the command was sent: it was not run). A failover reply
  // (READONLY, MASTERDOWN, LOADING: the command did not run) is answered by a new connection
  // (asking the sentinels again) and one resend, after the rest of its batch.
  using Done = absl::AnyInvocable<void(absl::StatusOr<RedisReplyPtr>) &&>;

  // Starts the thread; connects on the first command.
  explicit PipelinedRedis(Options options);
  // Stop().
  ~PipelinedRedis();
  PipelinedRedis(const PipelinedRedis&) = delete;
  PipelinedRedis& operator=(const PipelinedRedis&) = delete;

  // Queues a command. Thread-safe, never blocks. `done` runs exactly once, on the executor's
  // thread, or inside this call when the queue is full or the executor stopped; never under a
  // lock of this class.
  void Command(std::vector<std::string> args, absl::Time deadline, Done done);
  // EVALSHA `sha` 0 `args...`; when Redis answers NOSCRIPT (after a restart), EVAL `script`
  // once. `script` must outlive the executor.
  void Eval(const std::string& script, const std::string& sha, std::vector<std::string> args,
            absl::Time deadline, Done done);

  // Sends what is queued (bounded by the timeouts), then stops the thread and joins it; later
  // commands fail UNAVAILABLE. Idempotent.
  void Stop();

  // "host:port" or the Sentinel master set, for logs.
  std::string Describe() const { return connector_.Describe(); }

 private:
  struct Pending {
    std::vector<std::string> args;
    const std::string* script = nullptr;  // an EVALSHA to retry with EVAL on NOSCRIPT
    absl::Time deadline;
    Done done;
    bool resent = false;  // a failover reply was already answered with a resend
  };

  void Enqueue(Pending pending);
  void Run();
  // Sends a batch and completes each command (the thread only, no lock held).
  void Execute(std::vector<Pending> batch);
  // Writes the batch and reads the replies; what needs EVAL, or met a failover reply the first
  // time, goes to `retry`.
  void Exchange(std::vector<Pending>& batch, std::vector<Pending>* retry);
  // Completes the commands whose deadline passed (DEADLINE_EXCEEDED) and removes them.
  static void DropExpired(std::vector<Pending>& batch);
  // Connects (with the scripts preloaded) unless connected; a connection that broke while
  // loading them counts as a failed connect.
  absl::Status EnsureConnected();
  void Disconnect();
  static void Fail(std::vector<Pending>& batch, size_t from, const absl::Status& status);

  Options options_;
  RedisConnector connector_;
  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Touched by the thread only.
  RedisContextPtr context_;
  std::chrono::steady_clock::time_point next_connect_;
  absl::Status last_connect_error_;
  std::thread thread_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_REDIS_PIPELINED_REDIS_H_
