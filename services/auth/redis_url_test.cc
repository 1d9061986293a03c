#include "services/auth/redis_url.h"

#include <gtest/gtest.h>

namespace llmsrouter::auth {
namespace {

TEST(RedisUrlTest, ParsesTheDocumentedForms) {
  auto a = ParseRedisUrl("redis://:s3cret@redis.svc:6380/2");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "redis.svc");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->password, "s3cret");
  EXPECT_EQ(a->db, 2);
  auto b = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->db, 0);
  auto c = ParseRedisUrl("redis://user:pw@h:1/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->username, "user");
}

TEST(RedisUrlTest, RejectsOtherForms) {
  EXPECT_FALSE(ParseRedisUrl("http://h:1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:port").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:1/db").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:70000").ok());
}

}  // namespace
}  // namespace llmsrouter::auth
