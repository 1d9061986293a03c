#include "services/auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/strings.h"

namespace llmsrouter::auth {

absl::StatusOr<std::string> GenerateApiKey() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string key(kKeyPrefix);
  // Rejection sampling keeps every character uniform: 62 * 4 = 248 < 256.
  while (key.size() < kKeyPrefix.size() + 43) {
    unsigned char buffer[64];
    if (RAND_bytes(buffer, sizeof(buffer)) != 1) {
      return absl::InternalError("the system random generator failed");
    }
    for (unsigned char byte : buffer) {
      if (byte < 248 && key.size() < kKeyPrefix.size() + 43) key.push_back(kAlphabet[byte % 62]);
    }
  }
  return key;
}

std::string HashApiKey(std::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

std::string KeyHint(std::string_view key) {
  return StrCat(kKeyPrefix, "...", key.size() >= 4 ? key.substr(key.size() - 4) : key);
}

}  // namespace llmsrouter::auth
