// The per-user limit scripts (Lua, run in Redis) and the code that builds their arguments and
// reads their replies: shared by the auth service's LimitStore and the router's own Redis
// client. What the scripts do and why: docs/LIMITS.md.
#ifndef LLMSROUTER_COMMON_LIMITS_LIMIT_SCRIPTS_H_
#define LLMSROUTER_COMMON_LIMITS_LIMIT_SCRIPTS_H_

#include <hiredis/hiredis.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/user_limits.h"
#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter::limits {

// The script texts and their SHA1 (what EVALSHA names).
const std::string& AdmitScript();
const std::string& AdmitSha();
const std::string& SettleScript();
const std::string& SettleSha();
// Adds a chunk of spend rows (UsageRecorder): ARGV = TTL, then per row hash, n, n field/value
// pairs; each hash gets the TTL.
const std::string& UsageScript();
const std::string& UsageSha();

// True for Redis's "NOSCRIPT" error reply (the script must be loaded with EVAL).
bool IsNoScript(const redisReply* reply);
// OK for any reply but an error; INVALID_ARGUMENT for the scripts' own refusals of bad input
// ("ERR_LIMITS ..."), INTERNAL for any other error reply.
absl::Status ScriptReplyStatus(const redisReply* reply);

// ARGV of the admission script (it takes no KEYS). `window` is the budget window at `now_ms`
// (BudgetWindowAt; empty when the user has no budget).
std::vector<std::string> AdmitArgs(std::string_view prefix, const auth::v1::AdmitRequest& request,
                                   int64_t now_ms, int64_t lease_ms, const BudgetWindow& window);
// The budget window an admission at `now_ms` uses (empty without a budget).
BudgetWindow AdmitWindow(const auth::v1::AdmitRequest& request, int64_t now_ms);
// The admission script's reply as the response the router gets.
absl::StatusOr<auth::v1::AdmitResponse> ParseAdmitReply(const auth::v1::AdmitRequest& request,
                                                        const redisReply* reply,
                                                        const BudgetWindow& window);

// ARGV of the settlement script. `tombstone_ms`: how long a settlement that found no
// reservation keeps the call id from being admitted (at least the admission's lease).
std::vector<std::string> SettleArgs(std::string_view prefix, const auth::v1::SettleRequest& request,
                                    int64_t now_ms, int64_t usage_retention_s,
                                    int64_t tombstone_ms);

// The lease renewal script (Renew): its text, SHA1 and ARGV.
const std::string& RenewScript();
const std::string& RenewSha();
std::vector<std::string> RenewArgs(std::string_view prefix, const auth::v1::RenewRequest& request,
                                   int64_t now_ms, int64_t lease_ms);

// An integer element of an array reply (a string holding a number is read too; else 0).
int64_t IntAt(const redisReply* reply, size_t i);

// "1m30s", "12s", "250ms": the format of OpenAI's x-ratelimit-reset-* headers.
std::string ResetDuration(int64_t ms);

}  // namespace llmsrouter::limits

#endif  // LLMSROUTER_COMMON_LIMITS_LIMIT_SCRIPTS_H_
