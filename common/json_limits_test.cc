#include "common/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace llmsrouter {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepthTest, CountsArraysAndObjects) {
  EXPECT_TRUE(JsonDepthWithin(R"({"a":[{"b":[1]}]})", 4));
  EXPECT_FALSE(JsonDepthWithin(R"({"a":[{"b":[1]}]})", 3));
  EXPECT_TRUE(JsonDepthWithin(Nested(kMaxJsonDepth)));
  EXPECT_FALSE(JsonDepthWithin(Nested(kMaxJsonDepth + 1)));
}

TEST(JsonDepthTest, IgnoresBracketsInsideStrings) {
  std::string text = "{\"a\":\"" + std::string(1000, '[') + "\\\"[[[\"}";
  EXPECT_TRUE(JsonDepthWithin(text, 1));
}

TEST(JsonDepthTest, TheHostileBodyIsRefusedWithoutRecursing) {
  std::string body = R"({"model":"[up]ok","messages":)" + Nested(100000) + "}";
  EXPECT_FALSE(JsonDepthWithin(body));
  auto parsed = ParseUntrustedJson(body);
  EXPECT_TRUE(parsed.is_discarded());
  auto ordered = ParseUntrustedJson<nlohmann::ordered_json>(body);
  EXPECT_TRUE(ordered.is_discarded());
  EXPECT_TRUE(ParseUntrustedJson(R"({"model":"m"})").is_object());
}

}  // namespace
}  // namespace llmsrouter
