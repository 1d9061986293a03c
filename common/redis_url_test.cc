#include "common/redis_url.h"

#include <gtest/gtest.h>

namespace llmsrouter {
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

TEST(RedisUrlTest, PasswordOnlyAndEscapedCredentials) {
  auto a = ParseRedisUrl("redis://:Zx9%40a%3Ab%2F@127.0.0.1:6390/0");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->username, "");
  EXPECT_EQ(a->password, "Zx9@a:b/");
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6390);
  auto b = ParseRedisUrl("redis://default:p@ss@h:1");  // the last '@' ends the credentials
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->username, "default");
  EXPECT_EQ(b->password, "p@ss");
  EXPECT_EQ(b->host, "h");
  EXPECT_FALSE(ParseRedisUrl("redis://:bad%zz@h:1").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://:bad%4@h:1").ok());
}

TEST(RedisUrlTest, SentinelForm) {
  auto a = ParseRedisUrl("redis-sentinel://:pw@10.0.0.1:26380,sentinel-b,[x]:1/mymaster/3");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->uses_sentinel());
  ASSERT_EQ(a->sentinels.size(), 3u);
  EXPECT_EQ(a->sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(a->sentinels[0].port, 26380);
  EXPECT_EQ(a->sentinels[1].host, "sentinel-b");
  EXPECT_EQ(a->sentinels[1].port, 26379);
  EXPECT_EQ(a->master_name, "mymaster");
  EXPECT_EQ(a->password, "pw");
  EXPECT_EQ(a->db, 3);
  auto b = ParseRedisUrl("redis-sentinel://127.0.0.1:5000/set");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->db, 0);
  EXPECT_FALSE(ParseRedisUrl("redis://h:1").value().uses_sentinel());
}

TEST(RedisUrlTest, SentinelFormErrors) {
  EXPECT_FALSE(ParseRedisUrl("redis-sentinel://h:1").ok());         // no master name
  EXPECT_FALSE(ParseRedisUrl("redis-sentinel://h:1/").ok());        // empty master name
  EXPECT_FALSE(ParseRedisUrl("redis-sentinel://h:1,,h:2/m").ok());  // empty address
  EXPECT_FALSE(ParseRedisUrl("redis-sentinel://h:x/m").ok());       // bad port
  EXPECT_FALSE(ParseRedisUrl("redis-sentinel://h:1/m/db").ok());    // bad db
  auto hidden = ParseRedisUrl("redis-sentinel://:hunter2@h:x/m");
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(std::string(hidden.status().message()).find("hunter2"), std::string::npos);
}

TEST(RedisUrlTest, ErrorsNeverQuoteThePassword) {
  for (std::string_view url : {"redis://:hunter2@h:port", "rediss://:hunter2@h:1"}) {
    auto parsed = ParseRedisUrl(url);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(std::string(parsed.status().message()).find("hunter2"), std::string::npos)
        << parsed.status();
  }
  EXPECT_EQ(RedactRedisUrl("redis://:hunter2@h:1/0"), "redis://***@h:1/0");
  EXPECT_EQ(RedactRedisUrl("redis://h:1/0"), "redis://h:1/0");
}

}  // namespace
}  // namespace llmsrouter
