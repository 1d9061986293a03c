// The admin audit trail: one JSON line per admin action, kept in the user store (a capped
// list) and written to the log.
#ifndef LLMSROUTER_SERVICES_AUTH_AUDIT_H_
#define LLMSROUTER_SERVICES_AUTH_AUDIT_H_

#include <optional>
#include <string>
#include <string_view>

#include "llmsrouter/auth/v1/auth.pb.h"

namespace llmsrouter::auth {

// Entries kept in the store; older ones are dropped.
inline constexpr size_t kAuditKept = 10000;

std::string AuditToJson(const v1::AuditEntry& entry);
// nullopt for a line that is not an audit entry.
std::optional<v1::AuditEntry> AuditFromJson(std::string_view line);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_AUDIT_H_
