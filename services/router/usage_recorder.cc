#include "services/router/usage_recorder.h"

#include <hiredis/hiredis.h>

#include <algorithm>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/limits/limit_scripts.h"
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
    if (rows_.size() >= options_.max_rows || closed_) {  // closed: no flush would send it
      Dropped().Inc();
      return;
    }
    it = rows_.emplace(std::move(key), UsageCounts{}).first;
  }
  Add(it->second, counts);
}

void UsageRecorder::Run() {
  bool all_sent = true;  // else wait the interval: the executor is busy with earlier rows
  auto due = [this, &all_sent]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || (all_sent && rows_.size() >= options_.flush_rows);
  };
  for (;;) {
    bool stop;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&due), options_.flush_interval);
      stop = stopping_;
    }
    all_sent = Flush(!stop);  // the last one sends everything
    if (stop) return;
  }
}

bool UsageRecorder::Flush(bool capped) {
  Rows rows;
  {
    absl::MutexLock lock(&mu_);
    rows.swap(rows_);
  }
  if (rows.empty() || redis_ == nullptr) return true;
  Rows unsent = Send(std::move(rows), capped);
  if (unsent.empty()) return true;
  absl::MutexLock lock(&mu_);  // held back, not failed: merged with what came meanwhile
  for (const auto& [key, counts] : unsent) Add(rows_[key], counts);
  return false;
}

UsageRecorder::Rows UsageRecorder::Send(Rows rows, bool capped) {
  // The hash and its fields are the settlement script's (common/limits/limit_scripts.cc).
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  auto done = [outstanding = outstanding_](absl::StatusOr<RedisReplyPtr> reply) {
    outstanding->fetch_sub(1);
    if (reply.ok() && (*reply)->type != REDIS_REPLY_ERROR) return;
    FlushFailures().Inc();
    static LogThrottle throttle;
    if (!throttle.Due()) return;
    Log(LogLevel::kError, "router", "spend of users without limits not recorded",
        {{"error", reply.ok() ? std::string((*reply)->str, (*reply)->len)
                              : std::string(reply.status().message())}});
  };
  std::vector<Rows::iterator> order;
  order.reserve(rows.size());
  for (auto it = rows.begin(); it != rows.end(); ++it) order.push_back(it);
  std::string ttl = std::to_string(absl::ToInt64Seconds(options_.retention));
  size_t sent = 0;
  while (sent < order.size() && (!capped || *outstanding_ < options_.max_outstanding)) {
    size_t end = std::min(order.size(), sent + std::max<size_t>(options_.rows_per_command, 1));
    std::vector<std::string> args{ttl};
    for (size_t i = sent; i < end; ++i) AppendRow(order[i]->first, order[i]->second, &args);
    ++*outstanding_;
    redis_->Eval(limits::UsageScript(), limits::UsageSha(), std::move(args), deadline, done);
    sent = end;
  }
  Rows unsent;
  for (size_t i = sent; i < order.size(); ++i) unsent.insert(std::move(*order[i]));
  return unsent;
}

void UsageRecorder::AppendRow(const Key& key, const UsageCounts& counts,
                              std::vector<std::string>* args) const {
  const auto& [day, user, model] = key;
  args->push_back(StrCat(options_.prefix, "usage:", DayName(day)));
  size_t n_at = args->size();
  args->emplace_back();
  std::string field = StrCat(user, "\t", model, "\t");
  int n = 0;
  for (const auto& [name, v] : {std::pair<const char*, int64_t>{"calls", counts.calls},
                                {"prompt", counts.prompt},
                                {"cached", counts.cached},
                                {"completion", counts.completion},
                                {"cost", counts.cost_micros},
                                {"estimated", counts.estimated}}) {
    if (v == 0) continue;
    args->push_back(field + name);
    args->push_back(std::to_string(v));
    ++n;
  }
  (*args)[n_at] = std::to_string(n);
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
    Flush(false);
  }
  absl::MutexLock lock(&mu_);
  closed_ = true;
  Rows late;  // recorded during the last flush: never sent
  late.swap(rows_);
  for (const auto& [key, counts] : late) Dropped().Inc(static_cast<double>(counts.calls));
}

}  // namespace llmsrouter::router
