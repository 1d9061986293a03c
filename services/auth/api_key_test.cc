#include "services/auth/api_key.h"

#include <gtest/gtest.h>

#include <set>

namespace llmsrouter::auth {
namespace {

TEST(ApiKeyTest, GeneratedKeysArePrefixedLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto key = GenerateApiKey();
    ASSERT_TRUE(key.ok());
    EXPECT_TRUE(key->starts_with("llmr-"));
    EXPECT_EQ(key->size(), 48u);
    for (char c : key->substr(5)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
    EXPECT_TRUE(seen.insert(*key).second);
  }
}

TEST(ApiKeyTest, HashIsSha256Hex) {
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeyTest, HintShowsOnlyTheLastCharacters) {
  EXPECT_EQ(KeyHint("llmr-0123456789WXYZ"), "llmr-...WXYZ");
}

TEST(ApiKeyTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "Same"));
  EXPECT_FALSE(ConstantTimeEquals("short", "longer"));
}

}  // namespace
}  // namespace llmsrouter::auth
