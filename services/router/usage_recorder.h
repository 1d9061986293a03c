// Spend records of users without limits (docs/LIMITS.md): each call adds its usage to an
// in-memory map per (UTC day, user, [alias]model); a thread flushes the map every second (or
// sooner when it grows) with chunked script calls (HINCRBYs) into the same `<prefix>usage:<day>`
// hash the settlement script writes and `llmsrouter-admin usage` reads. Nothing on the call's path
// but a map update: no Redis round trip per call.
#ifndef LLMSROUTER_SERVICES_ROUTER_USAGE_RECORDER_H_
#define LLMSROUTER_SERVICES_ROUTER_USAGE_RECORDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/redis/pipelined_redis.h"

namespace llmsrouter::router {

// One call's usage, or the sum of several.
struct UsageCounts {
  int64_t calls = 0;
  int64_t prompt = 0;
  int64_t cached = 0;
  int64_t completion = 0;
  int64_t cost_micros = 0;
  int64_t estimated = 0;  // calls charged from an estimate (no usage reported)
};

class UsageRecorder {
 public:
  struct Options {
    std::string prefix = "llmsrouter:";
    // Zero: no flush thread (tests call Flush()).
    absl::Duration flush_interval = absl::Seconds(1);
    // Rows that trigger a flush before the interval ends.
    size_t flush_rows = 1000;
    // Rows held at most; a call that would add another is not recorded (counted in
    // llmsrouter_usage_dropped_total) until the next flush.
    size_t max_rows = 100000;
    // How long a day's hash is kept (as the settlement script's).
    absl::Duration retention = absl::Hours(24 * 400);
    // Rows per command (one EVALSHA of limits::UsageScript(): a row's fields land together).
    size_t rows_per_command = 200;
    // Commands of the recorder waiting in the shared executor at most: admissions and
    // settlements keep the rest of its queue. Rows beyond it stay held for the next flush.
    size_t max_outstanding = 16;
  };
  // `redis` and `clock` are not owned and must outlive the recorder; a null `redis` only
  // aggregates (tests).
  UsageRecorder(PipelinedRedis* redis, const Clock& clock, Options options);
  // Stop().
  ~UsageRecorder();

  // Adds one call of `user` on `model` ("[alias]model") to today's (UTC) row. Thread-safe; a
  // short lock, no I/O.
  void Record(std::string_view user, std::string_view model, const UsageCounts& counts);
  // Queues what was recorded on the Redis executor, `rows_per_command` rows per command and
  // at most `max_outstanding` commands waiting; rows beyond that stay held (false). A failed
  // command is counted (llmsrouter_usage_flush_failures_total), never retried (a command that
  // may have run is not sent twice). Thread-safe.
  bool Flush() { return Flush(true); }
  // Joins the flush thread after a last Flush(); the Redis executor sends what is queued when
  // it stops (stop it after this). A call recorded after that counts as dropped
  // (llmsrouter_usage_dropped_total). Idempotent.
  void Stop();

  struct Row {
    std::string day;  // YYYY-MM-DD (UTC)
    std::string user;
    std::string model;
    UsageCounts counts;
  };
  // What is held, not yet flushed, sorted (tests, diagnostics).
  std::vector<Row> Snapshot() const;

 private:
  using Key = std::tuple<int64_t, std::string, std::string>;  // day number, user, model
  using Rows = absl::flat_hash_map<Key, UsageCounts>;
  void Run();
  bool Flush(bool capped);
  // Sends what it may; returns the rows it did not send.
  Rows Send(Rows rows, bool capped);
  // A row's script arguments: hash, n, n (field, increment) pairs (non-zero counters).
  void AppendRow(const Key& key, const UsageCounts& counts, std::vector<std::string>* args) const;

  PipelinedRedis* redis_;
  const Clock& clock_;
  Options options_;
  mutable absl::Mutex mu_;
  Rows rows_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // the last flush ran: new rows are dropped
  bool stopped_ = false;                      // Stop() ran (the caller's thread)
  // Commands queued and not yet answered (shared with their callbacks).
  std::shared_ptr<std::atomic<size_t>> outstanding_ = std::make_shared<std::atomic<size_t>>(0);
  std::thread thread_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_USAGE_RECORDER_H_
