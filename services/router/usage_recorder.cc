#include "services/router/usage_recorder.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <set>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/strings.h"
#include "services/router/limits_client.h"

namespace llmsrouter::router {
namespace {

Counter& FlushFailures() {
  static Counter& c = MetricsRegistry::Global().GetCounter(
      "llmsrouter_usage_flush_failures_total",
      "Spend-record commands (users without limits) that did not reach Redis.");
  return c;
}

Counter& Dropped() {
  static Counter& c = MetricsRegistry::Global().GetCounter(
      "llmsrouter_usage_dropped_total",
      "Calls of users without limits not recorded because the spend buffer was full.");
  return c;
}

int64_t DayNumber(absl::Time t) {
  return absl::ToCivilDay(t, absl::UTCTimeZone()) - absl::CivilDay(1970, 1, 1);
}

std::string DayName(int64_t day) { return absl::FormatCivilTime(absl::CivilDay(1970, 1, 1) + day); }

void Add(UsageCounts& to, const UsageCounts& from) {
  to.calls += from.calls;
  to.prompt += from.prompt;
  to.cached += from.cached;
  to.completion += from.completion;
  to.cost_micros += from.cost_micros;
  to.estimated += from.estimated;
}

}  // namespace

UsageRecorder::UsageRecorder(PipelinedRedis* redis, const Clock& clock, Options options)
    : redis_(redis), clock_(clock), options_(std::move(options)) {
  if (options_.flush_interval > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

UsageRecorder::~UsageRecorder() { Stop(); }

void UsageRecorder::Record(std::string_view user, std::string_view model,
                           const UsageCounts& counts) {
  Key key{DayNumber(clock_.Now()), std::string(user), std::string(model)};
  absl::MutexLock lock(&mu_);
  auto it = rows_.find(key);
  if (it == rows_.end()) {
    if (rows_.size() >= options_.max_rows) {
      Dropped().Inc();
      return;
    }
    it = rows_.emplace(std::move(key), UsageCounts{}).first;
  }
  Add(it->second, counts);
}

void UsageRecorder::Run() {
  auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || rows_.size() >= options_.flush_rows;
  };
  for (;;) {
    bool stop;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&due), options_.flush_interval);
      stop = stopping_;
    }
    Flush();
    if (stop) return;
  }
}

void UsageRecorder::Flush() {
  Rows rows;
  {
    absl::MutexLock lock(&mu_);
    rows.swap(rows_);
  }
  if (!rows.empty() && redis_ != nullptr) Send(rows);
}

void UsageRecorder::Send(const Rows& rows) {
  // The hash and its fields are the settlement script's (common/limits/limit_scripts.cc).
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  auto done = [](absl::StatusOr<RedisReplyPtr> reply) {
    if (reply.ok() && (*reply)->type != REDIS_REPLY_ERROR) return;
    FlushFailures().Inc();
    static LogThrottle throttle;
    if (!throttle.Due()) return;
    Log(LogLevel::kError, "router", "spend of users without limits not recorded",
        {{"error", reply.ok() ? std::string((*reply)->str, (*reply)->len)
                              : std::string(reply.status().message())}});
  };
  std::set<int64_t> days;
  for (const auto& [key, counts] : rows) {
    const auto& [day, user, model] = key;
    days.insert(day);
    std::string hash = StrCat(options_.prefix, "usage:", DayName(day));
    std::string field = StrCat(user, "\t", model, "\t");
    for (const auto& [name, n] : {std::pair<const char*, int64_t>{"calls", counts.calls},
                                  {"prompt", counts.prompt},
                                  {"cached", counts.cached},
                                  {"completion", counts.completion},
                                  {"cost", counts.cost_micros},
                                  {"estimated", counts.estimated}}) {
      if (n == 0) continue;
      redis_->Command({"HINCRBY", hash, field + name, std::to_string(n)}, deadline, done);
    }
  }
  std::string ttl = std::to_string(absl::ToInt64Seconds(options_.retention));
  for (int64_t day : days) {
    redis_->Command({"EXPIRE", StrCat(options_.prefix, "usage:", DayName(day)), ttl}, deadline,
                    done);
  }
}

std::vector<UsageRecorder::Row> UsageRecorder::Snapshot() const {
  std::vector<Row> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, counts] : rows_) {
      out.push_back({DayName(std::get<0>(key)), std::get<1>(key), std::get<2>(key), counts});
    }
  }
  std::sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
    return std::tie(a.day, a.user, a.model) < std::tie(b.day, b.user, b.model);
  });
  return out;
}

void UsageRecorder::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();  // its last run flushed
  } else {
    Flush();
  }
}

}  // namespace llmsrouter::router
