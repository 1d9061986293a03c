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
end
return {refused, retry, rused, rreset, tused, treset, minute, spent})";

// Settlement: the call's own reservation record (written at admission) is consumed once: only
// the settlement whose DEL removed it corrects the tpm minute and the budget period to the
// real usage (never below zero) and frees the parallel lease; a repeated or forged settlement
// finds no record and refunds nothing. The spend of the day is recorded once per call id.
constexpr char kSettleScript[] = R"(
local p, user, call = ARGV[1], ARGV[2], ARGV[3]
local used, cost = tonumber(ARGV[4]), tonumber(ARGV[5])
if not string.match(ARGV[4], '^%d+$') or not string.match(ARGV[5], '^%d+$') then
  return redis.error_reply('ERR_LIMITS bad settlement: tokens and cost must be whole numbers >= 0')
end
local u = p .. 'limit:' .. user .. ':'
local resk = u .. 'res:' .. call
local rec = redis.call('GET', resk)
if rec and redis.call('DEL', resk) == 1 then
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

std::string RefusalMessage(const auth::v1::AdmitRequest& request, const std::string& kind,
                           const redisReply* r, int64_t retry_ms, int64_t end_ms) {
  const auth::v1::Limits& l = request.limits();
  std::string again = StrCat(" Please try again in ", ResetDuration(retry_ms), ".");
  if (kind == "rpm") {
    return StrCat("Rate limit reached for requests per minute (rpm) for user '", request.user(),
                  "': Limit ", l.rpm(), ", Used ", IntAt(r, 2), ".", again);
  }
  if (kind == "tpm") {
    return StrCat("Rate limit reached for tokens per minute (tpm) for user '", request.user(),
                  "': Limit ", l.tpm(), ", Used ", IntAt(r, 4), ", Requested ",
                  request.estimated_tokens(), ".", again);
  }
  if (kind == "parallel") {
    return StrCat("Rate limit reached for calls in flight for user '", request.user(), "': Limit ",
                  l.parallel(), ". Please try again when a call has finished.");
  }
  std::string reset = end_ms > 0
                          ? StrCat("; it resets at ", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                                                       absl::FromUnixMillis(end_ms),
                                                                       absl::UTCTimeZone()))
                          : "; it does not reset";
  return StrCat("You exceeded your current quota: the budget of user '", request.user(), "' is $",
                FormatUsd(l.budget_usd()), " per ", l.budget_period(), " (spent $",
                FormatUsd(MicrosToUsd(IntAt(r, 7))), ")", reset,
                ". Ask an administrator to raise it.");
}

void AddHeaders(const auth::v1::Limits& l, const redisReply* r, auth::v1::AdmitResponse* out) {
  auto& h = *out->mutable_headers();
  if (l.rpm() > 0) {
    h["x-ratelimit-limit-requests"] = std::to_string(l.rpm());
    h["x-ratelimit-remaining-requests"] =
        std::to_string(std::max<int64_t>(0, l.rpm() - IntAt(r, 2)));
    h["x-ratelimit-reset-requests"] = ResetDuration(IntAt(r, 3));
  }
  if (l.tpm() > 0) {
    h["x-ratelimit-limit-tokens"] = std::to_string(l.tpm());
    h["x-ratelimit-remaining-tokens"] = std::to_string(std::max<int64_t>(0, l.tpm() - IntAt(r, 4)));
    h["x-ratelimit-reset-tokens"] = ResetDuration(IntAt(r, 5));
  }
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
  return {std::string(prefix),
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
}

absl::StatusOr<auth::v1::AdmitResponse> ParseAdmitReply(const auth::v1::AdmitRequest& request,
                                                        const redisReply* r,
                                                        const BudgetWindow& window) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 8) {
    return absl::InternalError("redis: unexpected admission reply");
  }
  const auth::v1::Limits& l = request.limits();
  auth::v1::AdmitResponse out;
  std::string refused(r->element[0]->str, r->element[0]->len);
  AddHeaders(l, r, &out);
  if (!refused.empty()) {
    out.set_refused(refused);
    out.set_retry_after_ms(IntAt(r, 1));
    out.set_message(RefusalMessage(request, refused, r, IntAt(r, 1), window.end_ms));
    return out;
  }
  out.set_admitted(true);
  int64_t expire_at = window.end_ms > 0 ? window.end_ms + 86400000 : 0;
  out.set_reservation(StrCat(IntAt(r, 6), "|", window.key, "|", expire_at));
  return out;
}

std::vector<std::string> SettleArgs(std::string_view prefix, const auth::v1::SettleRequest& request,
                                    int64_t now_ms, int64_t usage_retention_s) {
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
          std::to_string(usage_retention_s)};
}

}  // namespace llmsrouter::limits
