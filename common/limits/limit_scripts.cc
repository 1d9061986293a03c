#include "common/limits/limit_scripts.h"

#include <openssl/sha.h>

#include <algorithm>
#include <limits>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/strings.h"

namespace llmsrouter::limits {
namespace {

// Admission: every limit checked, then every limit reserved, in one atomic step. rpm is an
// exact sliding window (a sorted set of admission times); tpm a counter per calendar minute;
// parallel a sorted set of leases (expired leases are dropped: a crashed replica's slots come
// back); budget a micro-USD counter per calendar period.
constexpr char kAdmitScript[] = R"(
local p, user, call = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[4])
local rpm, tpm, par = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local est, lease = tonumber(ARGV[8]), tonumber(ARGV[9])
local budget, bwin, bend, cost = tonumber(ARGV[10]), ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])
if not string.match(ARGV[8], '^%d+$') or not string.match(ARGV[13], '^%d+$') then
  return redis.error_reply('ERR_LIMITS bad estimate: tokens and cost must be whole numbers >= 0')
end
local u = p .. 'limit:' .. user .. ':'
local minute = math.floor(now / 60000)
local rk, tk, pk, bk = u .. 'rpm', u .. 'tpm:' .. minute, u .. 'par', u .. 'spent:' .. bwin
local resk = u .. 'res:' .. call
if redis.call('EXISTS', resk) == 1 then
  return redis.error_reply('ERR_LIMITS call id already admitted')
end
local rused, rreset = 0, 60000
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', rk, '-inf', now - 60000)
  rused = redis.call('ZCARD', rk)
  local oldest = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
  if oldest[2] then rreset = tonumber(oldest[2]) + 60000 - now end
end
local tused, treset = 0, 60000 - now % 60000
if tpm > 0 then tused = tonumber(redis.call('GET', tk) or '0') end
local pused = 0
if par > 0 then
  redis.call('ZREMRANGEBYSCORE', pk, '-inf', now)
  pused = redis.call('ZCARD', pk)
end
local spent = 0
if budget > 0 then spent = tonumber(redis.call('GET', bk) or '0') end
local refused, retry = '', 0
if rpm > 0 and rused >= rpm then refused, retry = 'rpm', rreset
elseif tpm > 0 and tused + est > tpm then refused, retry = 'tpm', treset
elseif par > 0 and pused >= par then refused, retry = 'parallel', 1000
elseif budget > 0 and (spent >= budget or spent + cost > budget) then
  refused = 'budget'
  if bend > 0 then retry = bend - now end
end
-- More buckets (a scope inside the user, a provider's limits for everyone): ARGV[14] of them,
-- 7 arguments each (key prefix under p, rpm, tpm, parallel, budget, period key, period end),
-- checked like the user's own; rb names the first bucket that refuses (0: the user's own).
local xs, rb = {}, 0
for i = 1, tonumber(ARGV[14] or '0') do
  local a = 14 + (i - 1) * 7
  local b = {k = p .. ARGV[a + 1], rpm = tonumber(ARGV[a + 2]), tpm = tonumber(ARGV[a + 3]),
             par = tonumber(ARGV[a + 4]), budget = tonumber(ARGV[a + 5]), bwin = ARGV[a + 6],
             bend = tonumber(ARGV[a + 7]), rused = 0, rreset = 60000, tused = 0, pused = 0,
             spent = 0}
  if b.rpm > 0 then
    redis.call('ZREMRANGEBYSCORE', b.k .. 'rpm', '-inf', now - 60000)
    b.rused = redis.call('ZCARD', b.k .. 'rpm')
    local oldest = redis.call('ZRANGE', b.k .. 'rpm', 0, 0, 'WITHSCORES')
    if oldest[2] then b.rreset = tonumber(oldest[2]) + 60000 - now end
  end
  if b.tpm > 0 then b.tused = tonumber(redis.call('GET', b.k .. 'tpm:' .. minute) or '0') end
  if b.par > 0 then
    redis.call('ZREMRANGEBYSCORE', b.k .. 'par', '-inf', now)
    b.pused = redis.call('ZCARD', b.k .. 'par')
  end
  if b.budget > 0 then b.spent = tonumber(redis.call('GET', b.k .. 'spent:' .. b.bwin) or '0') end
  if refused == '' then
    if b.rpm > 0 and b.rused >= b.rpm then refused, retry = 'rpm', b.rreset
    elseif b.tpm > 0 and b.tused + est > b.tpm then refused, retry = 'tpm', treset
    elseif b.par > 0 and b.pused >= b.par then refused, retry = 'parallel', 1000
    elseif b.budget > 0 and (b.spent >= b.budget or b.spent + cost > b.budget) then
      refused = 'budget'
      if b.bend > 0 then retry = b.bend - now end
    end
    if refused ~= '' then rb = i end
  end
  xs[i] = b
end
if refused == '' then
  if rpm > 0 then
    redis.call('ZADD', rk, now, call)
    redis.call('PEXPIRE', rk, 60000)
    rused = rused + 1
  end
  if tpm > 0 then
    tused = redis.call('INCRBY', tk, ARGV[8])
    redis.call('PEXPIRE', tk, 120000)
  end
  if par > 0 then
    redis.call('ZADD', pk, now + lease, call)
    redis.call('PEXPIRE', pk, lease)
  end
  if budget > 0 then
    redis.call('INCRBY', bk, ARGV[13])
    if bend > 0 then redis.call('PEXPIREAT', bk, bend + 86400000) end
  end
  local tmin, bw, bex = '', '', 0
  if tpm > 0 then tmin = minute end
  if budget > 0 then
    bw = bwin
    if bend > 0 then bex = bend + 86400000 end
  end
  redis.call('SET', resk, ARGV[8] .. '|' .. ARGV[13] .. '|' .. tmin .. '|' .. bw .. '|' ..
             string.format('%d', bex), 'PX', lease)
  -- The other buckets' reservations: a list 'est|cost', then 'prefix|minute|period|expiry'.
  local xk = u .. 'resx:' .. call
  if #xs > 0 then redis.call('RPUSH', xk, ARGV[8] .. '|' .. ARGV[13]) end
  for _, b in ipairs(xs) do
    if b.rpm > 0 then
      redis.call('ZADD', b.k .. 'rpm', now, call)
      redis.call('PEXPIRE', b.k .. 'rpm', 60000)
      b.rused = b.rused + 1
    end
    if b.tpm > 0 then
      b.tused = redis.call('INCRBY', b.k .. 'tpm:' .. minute, ARGV[8])
      redis.call('PEXPIRE', b.k .. 'tpm:' .. minute, 120000)
    end
    if b.par > 0 then
      redis.call('ZADD', b.k .. 'par', now + lease, call)
      redis.call('PEXPIRE', b.k .. 'par', lease)
    end
    local xmin, xw, xex = '', '', 0
    if b.tpm > 0 then xmin = minute end
    if b.budget > 0 then
      redis.call('INCRBY', b.k .. 'spent:' .. b.bwin, ARGV[13])
      xw = b.bwin
      if b.bend > 0 then
        xex = b.bend + 86400000
        redis.call('PEXPIREAT', b.k .. 'spent:' .. b.bwin, xex)
      end
    end
    redis.call('RPUSH', xk, string.sub(b.k, #p + 1) .. '|' .. xmin .. '|' .. xw .. '|' ..
               string.format('%d', xex))
  end
  if #xs > 0 then redis.call('PEXPIRE', xk, lease) end
end
-- The user's own values, the refusing bucket, then 6 values per more bucket.
local out = {refused, retry, rused, rreset, tused, treset, minute, spent, rb}
for _, b in ipairs(xs) do
  for _, n in ipairs({b.rused, b.rreset, b.tused, treset, b.spent, b.bend}) do
    out[#out + 1] = n
  end
end
return out)";

// Settlement: the call's own reservation record (written at admission) is consumed once: only
// the settlement whose DEL removed it corrects the tpm minute and the budget period to the
// real usage (never below zero) and frees the parallel lease; a repeated or forged settlement
// finds no record and refunds nothing, and leaves a tombstone (below). The spend of the day is
// recorded once per call id.
constexpr char kSettleScript[] = R"(
local p, user, call = ARGV[1], ARGV[2], ARGV[3]
local used, cost = tonumber(ARGV[4]), tonumber(ARGV[5])
if not string.match(ARGV[4], '^%d+$') or not string.match(ARGV[5], '^%d+$') then
  return redis.error_reply('ERR_LIMITS bad settlement: tokens and cost must be whole numbers >= 0')
end
local u = p .. 'limit:' .. user .. ':'
local resk = u .. 'res:' .. call
local rec = redis.call('GET', resk)
local found = false
if rec == 'released' then rec = nil end
if rec and redis.call('DEL', resk) == 1 then
  found = true
  local est, ecost, minute, bwin, bexpire = string.match(rec, '^(%d+)|(%d+)|([^|]*)|([^|]*)|(%d+)$')
  redis.call('ZREM', u .. 'par', call)
  for _, k in ipairs({{minute, 'tpm:', used - tonumber(est or 0)},
                      {bwin, 'spent:', cost - tonumber(ecost or 0)}}) do
    local key = u .. k[2] .. (k[1] or '')
    if k[1] and k[1] ~= '' and redis.call('EXISTS', key) == 1 then
      local left = redis.call('INCRBY', key, string.format('%d', k[3]))
      if left < 0 then redis.call('INCRBY', key, string.format('%d', -left)) end
    end
  end
  if bwin and bwin ~= '' and tonumber(bexpire) > 0 then
    redis.call('PEXPIREAT', u .. 'spent:' .. bwin, bexpire)
  end
end
-- The other buckets the call reserved (scopes, providers), settled the same way, once.
local xk = u .. 'resx:' .. call
local xr = redis.call('LRANGE', xk, 0, -1)
if #xr > 1 and redis.call('DEL', xk) == 1 then
  found = true
  local est, ecost = string.match(xr[1], '^(%d+)|(%d+)$')
  for i = 2, #xr do
    local k, minute, bwin, bexpire = string.match(xr[i], '^(.*)|([^|]*)|([^|]*)|(%d+)$')
    if k then
      k = p .. k
      redis.call('ZREM', k .. 'par', call)
      for _, c in ipairs({{minute, 'tpm:', used - tonumber(est or 0)},
                          {bwin, 'spent:', cost - tonumber(ecost or 0)}}) do
        local key = k .. c[2] .. c[1]
        if c[1] ~= '' and redis.call('EXISTS', key) == 1 then
          local left = redis.call('INCRBY', key, string.format('%d', c[3]))
          if left < 0 then redis.call('INCRBY', key, string.format('%d', -left)) end
        end
      end
      if bwin ~= '' and tonumber(bexpire) > 0 then
        redis.call('PEXPIREAT', k .. 'spent:' .. bwin, bexpire)
      end
    end
  end
end
-- Nothing reserved under this id: a release that overtook its own admission (one sent on a
-- connection closed after its deadline, which Redis may still run). A tombstone for the lease
-- makes that admission find the id taken, so it reserves nothing.
if not found then redis.call('SET', resk, 'released', 'PX', tonumber(ARGV[15] or '600000'), 'NX') end
local calls = tonumber(ARGV[8])
if (calls > 0 or used > 0 or cost > 0) and
    redis.call('SET', u .. 'settled:' .. call, '1', 'NX', 'EX', 86400) then
  local uk = p .. 'usage:' .. ARGV[6]
  local f = user .. '\t' .. ARGV[7] .. '\t'
  local names = {'calls', 'prompt', 'cached', 'completion', 'cost', 'estimated'}
  for i, name in ipairs(names) do
    local n = tonumber(ARGV[7 + i])
    if i == 5 then n = cost end
    if n ~= 0 then redis.call('HINCRBY', uk, f .. name, string.format('%d', n)) end
  end
  redis.call('EXPIRE', uk, tonumber(ARGV[14]))
end
return 1)";

// Renewal: for each (user, call id) pair whose reservation record still exists (not settled,
// lease not over), the record, its bucket list and the call's parallel leases (the user's and
// every bucket's it holds a slot in) are extended to now + lease. Returns how many were held.
constexpr char kRenewScript[] = R"(
local p, now, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local renewed = 0
for i = 4, #ARGV - 1, 2 do
  local u, call = p .. 'limit:' .. ARGV[i] .. ':', ARGV[i + 1]
  if redis.call('PEXPIRE', u .. 'res:' .. call, lease) == 1 then
    renewed = renewed + 1
    local sets = {u}
    local xk = u .. 'resx:' .. call
    local xr = redis.call('LRANGE', xk, 0, -1)
    if #xr > 1 then redis.call('PEXPIRE', xk, lease) end
    for j = 2, #xr do
      local k = string.match(xr[j], '^(.*)|[^|]*|[^|]*|%d+$')
      if k then sets[#sets + 1] = p .. k end
    end
    for _, k in ipairs(sets) do
      if redis.call('ZSCORE', k .. 'par', call) then
        redis.call('ZADD', k .. 'par', now + lease, call)
        redis.call('PEXPIRE', k .. 'par', lease)
      end
    end
  end
end
return renewed)";

// Spend records of users without limits, a chunk of rows in one command (UsageRecorder):
// ARGV[1] = the hashes' TTL (s), then per row: hash, n, n pairs (field, increment). Atomic, so
// a row's fields land together or not at all.
constexpr char kUsageScript[] = R"(
local ttl = tonumber(ARGV[1])
local i = 2
while i <= #ARGV do
  local hash, n = ARGV[i], tonumber(ARGV[i + 1])
  for j = i + 2, i + 2 * n, 2 do redis.call('HINCRBY', hash, ARGV[j], ARGV[j + 1]) end
  redis.call('EXPIRE', hash, ttl)
  i = i + 2 + 2 * n
end
return 1)";

std::string Sha1Hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

// a + b without overflow; a negative part stays negative (the script refuses it).
int64_t SaturatingSum(int64_t a, int64_t b) {
  if (a < 0 || b < 0) return -1;
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

std::string UtcDay(int64_t now_ms) {
  return absl::FormatCivilTime(absl::ToCivilDay(absl::FromUnixMillis(now_ms), absl::UTCTimeZone()));
}

// One set of counters of an admission, as the script reported it: the user's own limits, a
// scope inside the user, or a provider's limits for everyone.
struct Bucket {
  const auth::v1::Limits* limits = nullptr;
  std::string who;  // "user 'alice'", "user 'alice' for 'openai'", "provider 'openai' (all users)"
  int64_t rused = 0, rreset = 0, tused = 0, treset = 0, spent = 0, end_ms = 0;
};

std::string BucketPrefix(const auth::v1::AdmitRequest& request,
                         const auth::v1::LimitBucket& bucket) {
  if (bucket.kind() == "provider") return StrCat("plimit:", bucket.name(), ":");
  return StrCat("limit:", request.user(), ":scope:", bucket.name(), ":");
}

std::string BucketWho(const auth::v1::AdmitRequest& request, const auth::v1::LimitBucket& bucket) {
  if (bucket.kind() == "provider") return StrCat("provider '", bucket.name(), "' (all users)");
  return StrCat("user '", request.user(), "' for '", bucket.name(), "'");
}

std::string RefusalMessage(const auth::v1::AdmitRequest& request, const std::string& kind,
                           const Bucket& b, int64_t retry_ms) {
  const auth::v1::Limits& l = *b.limits;
  std::string again = StrCat(" Please try again in ", ResetDuration(retry_ms), ".");
  if (kind == "rpm") {
    return StrCat("Rate limit reached for requests per minute (rpm) for ", b.who, ": Limit ",
                  l.rpm(), ", Used ", b.rused, ".", again);
  }
  if (kind == "tpm") {
    return StrCat("Rate limit reached for tokens per minute (tpm) for ", b.who, ": Limit ", l.tpm(),
                  ", Used ", b.tused, ", Requested ", request.estimated_tokens(), ".", again);
  }
  if (kind == "parallel") {
    return StrCat("Rate limit reached for calls in flight for ", b.who, ": Limit ", l.parallel(),
                  ". Please try again when a call has finished.");
  }
  std::string reset =
      b.end_ms > 0 ? StrCat("; it resets at ",
                            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(b.end_ms),
                                             absl::UTCTimeZone()))
                   : "; it does not reset";
  return StrCat("You exceeded your current quota: the budget of ", b.who, " is $",
                FormatUsd(l.budget_usd()), " per ", l.budget_period(), " (spent $",
                FormatUsd(MicrosToUsd(b.spent)), ")", reset, ". Ask an administrator to raise it.");
}

// The x-ratelimit-* headers of the tightest bucket of each kind (least remaining).
void AddHeaders(const std::vector<Bucket>& buckets, auth::v1::AdmitResponse* out) {
  const Bucket* requests = nullptr;
  const Bucket* tokens = nullptr;
  auto left = [](int64_t limit, int64_t used) { return std::max<int64_t>(0, limit - used); };
  for (const Bucket& b : buckets) {
    const auth::v1::Limits& l = *b.limits;
    if (l.rpm() > 0 && (requests == nullptr ||
                        left(l.rpm(), b.rused) < left(requests->limits->rpm(), requests->rused))) {
      requests = &b;
    }
    if (l.tpm() > 0 && (tokens == nullptr ||
                        left(l.tpm(), b.tused) < left(tokens->limits->tpm(), tokens->tused))) {
      tokens = &b;
    }
  }
  auto& h = *out->mutable_headers();
  if (requests != nullptr) {
    h["x-ratelimit-limit-requests"] = std::to_string(requests->limits->rpm());
    h["x-ratelimit-remaining-requests"] =
        std::to_string(left(requests->limits->rpm(), requests->rused));
    h["x-ratelimit-reset-requests"] = ResetDuration(requests->rreset);
  }
  if (tokens != nullptr) {
    h["x-ratelimit-limit-tokens"] = std::to_string(tokens->limits->tpm());
    h["x-ratelimit-remaining-tokens"] = std::to_string(left(tokens->limits->tpm(), tokens->tused));
    h["x-ratelimit-reset-tokens"] = ResetDuration(tokens->treset);
  }
}

// The user's own bucket and the request's more buckets, with what the reply says of each.
std::vector<Bucket> ReplyBuckets(const auth::v1::AdmitRequest& request, const redisReply* r,
                                 int64_t end_ms) {
  std::vector<Bucket> buckets;
  buckets.push_back({.limits = &request.limits(),
                     .who = StrCat("user '", request.user(), "'"),
                     .rused = IntAt(r, 2),
                     .rreset = IntAt(r, 3),
                     .tused = IntAt(r, 4),
                     .treset = IntAt(r, 5),
                     .spent = IntAt(r, 7),
                     .end_ms = end_ms});
  for (int i = 0; i < request.buckets_size(); ++i) {
    size_t at = 9 + 6 * static_cast<size_t>(i);
    buckets.push_back({.limits = &request.buckets(i).limits(),
                       .who = BucketWho(request, request.buckets(i)),
                       .rused = IntAt(r, at),
                       .rreset = IntAt(r, at + 1),
                       .tused = IntAt(r, at + 2),
                       .treset = IntAt(r, at + 3),
                       .spent = IntAt(r, at + 4),
                       .end_ms = IntAt(r, at + 5)});
  }
  return buckets;
}

bool ErrorStartsWith(const redisReply* reply, std::string_view prefix) {
  return reply->type == REDIS_REPLY_ERROR &&
         std::string_view(reply->str, reply->len).starts_with(prefix);
}

}  // namespace

const std::string& AdmitScript() {
  static const std::string script = kAdmitScript;
  return script;
}
const std::string& AdmitSha() {
  static const std::string sha = Sha1Hex(kAdmitScript);
  return sha;
}
const std::string& SettleScript() {
  static const std::string script = kSettleScript;
  return script;
}
const std::string& SettleSha() {
  static const std::string sha = Sha1Hex(kSettleScript);
  return sha;
}

const std::string& RenewScript() {
  static const std::string script = kRenewScript;
  return script;
}
const std::string& RenewSha() {
  static const std::string sha = Sha1Hex(kRenewScript);
  return sha;
}

std::vector<std::string> RenewArgs(std::string_view prefix, const auth::v1::RenewRequest& request,
                                   int64_t now_ms, int64_t lease_ms) {
  std::vector<std::string> args = {std::string(prefix), std::to_string(now_ms),
                                   std::to_string(lease_ms)};
  for (const auth::v1::RenewLease& lease : request.leases()) {
    args.push_back(lease.user());
    args.push_back(lease.call_id());
  }
  return args;
}

const std::string& UsageScript() {
  static const std::string script = kUsageScript;
  return script;
}
const std::string& UsageSha() {
  static const std::string sha = Sha1Hex(kUsageScript);
  return sha;
}

bool IsNoScript(const redisReply* reply) { return ErrorStartsWith(reply, "NOSCRIPT"); }

absl::Status ScriptReplyStatus(const redisReply* reply) {
  if (ErrorStartsWith(reply, "ERR_LIMITS")) {
    return absl::InvalidArgumentError(std::string(reply->str, reply->len));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(StrCat("redis: ", std::string_view(reply->str, reply->len)));
  }
  return absl::OkStatus();
}

int64_t IntAt(const redisReply* reply, size_t i) {
  const redisReply* e = reply->element[i];
  if (e->type == REDIS_REPLY_INTEGER) return e->integer;
  int64_t n = 0;
  if (e->type == REDIS_REPLY_STRING) ParseInt(std::string_view(e->str, e->len), &n);
  return n;
}

std::string ResetDuration(int64_t ms) {
  if (ms < 0) ms = 0;
  if (ms < 1000) return StrCat(ms, "ms");
  int64_t s = (ms + 999) / 1000;
  if (s < 60) return StrCat(s, "s");
  if (s < 3600) return StrCat(s / 60, "m", s % 60, "s");
  return StrCat(s / 3600, "h", (s % 3600) / 60, "m", s % 60, "s");
}

BudgetWindow AdmitWindow(const auth::v1::AdmitRequest& request, int64_t now_ms) {
  const auth::v1::Limits& l = request.limits();
  BudgetWindow window;
  if (l.budget_usd() > 0) window = BudgetWindowAt(l.budget_period(), now_ms);
  return window;
}

std::vector<std::string> AdmitArgs(std::string_view prefix, const auth::v1::AdmitRequest& request,
                                   int64_t now_ms, int64_t lease_ms, const BudgetWindow& window) {
  const auth::v1::Limits& l = request.limits();
  std::vector<std::string> args = {std::string(prefix),
                                   request.user(),
                                   request.call_id(),
                                   std::to_string(now_ms),
                                   std::to_string(l.rpm()),
                                   std::to_string(l.tpm()),
                                   std::to_string(l.parallel()),
                                   std::to_string(request.estimated_tokens()),
                                   std::to_string(lease_ms),
                                   std::to_string(UsdToMicros(l.budget_usd())),
                                   window.key,
                                   std::to_string(window.end_ms),
                                   std::to_string(request.estimated_cost_micros())};
  // More buckets (scopes, providers): their count, then 7 arguments each.
  args.push_back(std::to_string(request.buckets_size()));
  for (const auth::v1::LimitBucket& bucket : request.buckets()) {
    const auth::v1::Limits& b = bucket.limits();
    BudgetWindow bw;
    if (b.budget_usd() > 0) bw = BudgetWindowAt(b.budget_period(), now_ms);
    args.insert(args.end(),
                {BucketPrefix(request, bucket), std::to_string(b.rpm()), std::to_string(b.tpm()),
                 std::to_string(b.parallel()), std::to_string(UsdToMicros(b.budget_usd())), bw.key,
                 std::to_string(bw.end_ms)});
  }
  return args;
}

absl::StatusOr<auth::v1::AdmitResponse> ParseAdmitReply(const auth::v1::AdmitRequest& request,
                                                        const redisReply* r,
                                                        const BudgetWindow& window) {
  if (r->type != REDIS_REPLY_ARRAY ||
      r->elements != 9 + 6 * static_cast<size_t>(request.buckets_size())) {
    return absl::InternalError("redis: unexpected admission reply");
  }
  std::vector<Bucket> buckets = ReplyBuckets(request, r, window.end_ms);
  auth::v1::AdmitResponse out;
  std::string refused(r->element[0]->str, r->element[0]->len);
  AddHeaders(buckets, &out);
  if (!refused.empty()) {
    int64_t which = std::clamp<int64_t>(IntAt(r, 8), 0, static_cast<int64_t>(buckets.size()) - 1);
    out.set_refused(refused);
    out.set_retry_after_ms(IntAt(r, 1));
    out.set_message(RefusalMessage(request, refused, buckets[which], IntAt(r, 1)));
    return out;
  }
  out.set_admitted(true);
  int64_t expire_at = window.end_ms > 0 ? window.end_ms + 86400000 : 0;
  out.set_reservation(StrCat(IntAt(r, 6), "|", window.key, "|", expire_at));
  return out;
}

std::vector<std::string> SettleArgs(std::string_view prefix, const auth::v1::SettleRequest& request,
                                    int64_t now_ms, int64_t usage_retention_s,
                                    int64_t tombstone_ms) {
  // What the call reserved is read from its own record, never from the request.
  bool charged = request.charged();
  int64_t used = charged ? SaturatingSum(request.prompt_tokens(), request.completion_tokens()) : 0;
  int64_t cost = charged ? request.cost_micros() : 0;
  return {std::string(prefix),
          request.user(),
          request.call_id(),
          std::to_string(used),
          std::to_string(cost),
          UtcDay(now_ms),
          request.model(),
          charged ? "1" : "0",
          std::to_string(charged ? request.prompt_tokens() : 0),
          std::to_string(charged ? request.cached_tokens() : 0),
          std::to_string(charged ? request.completion_tokens() : 0),
          "0",
          charged && request.estimated() ? "1" : "0",
          std::to_string(usage_retention_s),
          std::to_string(tombstone_ms)};
}

}  // namespace llmsrouter::limits
