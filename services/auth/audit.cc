#include "services/auth/audit.h"

#include <nlohmann/json.hpp>

namespace llmsrouter::auth {

std::string AuditToJson(const v1::AuditEntry& entry) {
  return nlohmann::json{{"unix_ms", entry.unix_ms()}, {"who", entry.who()},
                        {"action", entry.action()},   {"target", entry.target()},
                        {"from", entry.from()},       {"outcome", entry.outcome()}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<v1::AuditEntry> AuditFromJson(std::string_view line) {
  auto doc = nlohmann::json::parse(line, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  v1::AuditEntry entry;
  try {  // value() throws on a field of another type
    entry.set_unix_ms(doc.value("unix_ms", int64_t{0}));
    entry.set_who(doc.value("who", ""));
    entry.set_action(doc.value("action", ""));
    entry.set_target(doc.value("target", ""));
    entry.set_from(doc.value("from", ""));
    entry.set_outcome(doc.value("outcome", ""));
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return entry;
}

}  // namespace llmsrouter::auth
