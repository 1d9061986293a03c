#include "services/auth/admin_access.h"

#include <gtest/gtest.h>

namespace llmsrouter::auth {
namespace {

TEST(AdminAccessTest, ParsesNamedTokens) {
  auto tokens = ParseAdminTokens("t0", "admin", " ops = t1 , ci=t2,");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0].name, "admin");
  EXPECT_EQ((*tokens)[1].name, "ops");
  EXPECT_EQ((*tokens)[1].token, "t1");
  EXPECT_EQ((*tokens)[2].token, "t2");
  EXPECT_TRUE(ParseAdminTokens("", "admin", "")->empty());
}

TEST(AdminAccessTest, RefusesMalformedTokenLists) {
  EXPECT_FALSE(ParseAdminTokens("", "admin", "ops").ok());
  EXPECT_FALSE(ParseAdminTokens("", "admin", "=t1").ok());
  EXPECT_FALSE(ParseAdminTokens("", "admin", "ops=").ok());
  EXPECT_FALSE(ParseAdminTokens("t0", "ops", "ops=t1").ok());  // a name twice
}

TEST(AdminAccessTest, MatchesTheTokenAndNamesIt) {
  std::vector<AdminToken> tokens = {{"admin", "secret-a"}, {"ops", "secret-b"}};
  EXPECT_EQ(MatchAdminToken("Bearer secret-b", tokens), "ops");
  EXPECT_EQ(MatchAdminToken("bearer secret-a", tokens), "admin");
  EXPECT_EQ(MatchAdminToken("Bearer secret-", tokens), std::nullopt);
  EXPECT_EQ(MatchAdminToken("secret-a", tokens), std::nullopt);  // no scheme
  EXPECT_EQ(MatchAdminToken("", tokens), std::nullopt);
  EXPECT_EQ(MatchAdminToken("Bearer ", {{"empty", ""}}), std::nullopt);
}

TEST(AdminAccessTest, Loopback) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:50052"));
  EXPECT_TRUE(IsLoopbackListen("localhost:1"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:50052"));
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:50052"));
  EXPECT_FALSE(IsLoopbackListen("[::]:50052"));
  EXPECT_FALSE(IsLoopbackListen("10.0.0.1:50052"));
}

}  // namespace
}  // namespace llmsrouter::auth
