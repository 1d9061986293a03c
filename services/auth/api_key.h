// API keys: generation from a CSPRNG, hashing for storage, constant-time comparison.
#ifndef LLMSROUTER_SERVICES_AUTH_API_KEY_H_
#define LLMSROUTER_SERVICES_AUTH_API_KEY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/strings.h"  // ConstantTimeEquals

namespace llmsrouter::auth {

inline constexpr std::string_view kKeyPrefix = "llmr-";

// "llmr-" + 43 base62 characters (256 bits from OpenSSL's CSPRNG).
// INTERNAL if the CSPRNG fails.
absl::StatusOr<std::string> GenerateApiKey();
// Lower-case hex SHA-256: what is stored; the key itself never is.
std::string HashApiKey(std::string_view key);
// "llmr-…abcd": safe to show and log.
std::string KeyHint(std::string_view key);

}  // namespace llmsrouter::auth

#endif  // LLMSROUTER_SERVICES_AUTH_API_KEY_H_
