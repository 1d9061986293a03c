// RedisUserStore's key lookup against a real redis-server.
#include "services/auth/redis_user_store.h"

#include <gtest/gtest.h>

#include "common/redis_url.h"
#include "services/auth/testing/redis_server.h"

namespace llmsrouter::auth {
namespace {

class RedisUserStoreTest : public ::testing::Test {
 protected:
  testing::RedisServer server_;
  RedisUserStore store_{
      RedisUserStore::Options{.address = *ParseRedisUrl(server_.url()), .prefix = "t:"}};
};

TEST_F(RedisUserStoreTest, KeyLookupReadsTheOwnerAndTheVersionTogether) {
  auto none = store_.FindByKeyHash("h1");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->user.has_value());
  EXPECT_EQ(none->version, 0);  // no change yet: no version key

  User alice{.name = "alice", .permissions = {"openai", "groq"}, .key_hash = "h1"};
  ASSERT_TRUE(store_.AddUser(alice).ok());
  auto found = store_.FindByKeyHash("h1");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->user.has_value());
  EXPECT_EQ(found->user->name, "alice");
  EXPECT_EQ(found->user->permissions, (std::vector<std::string>{"openai", "groq"}));
  EXPECT_EQ(found->version, *store_.Version());
  EXPECT_GT(found->version, 0);

  ASSERT_TRUE(store_.ModifyUser("alice", {.enabled = false}, 1).ok());
  auto changed = store_.FindByKeyHash("h1");
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->user->enabled);
  EXPECT_EQ(changed->version, found->version + 1);

  ASSERT_TRUE(store_.DeleteUser("alice").ok());
  auto gone = store_.FindByKeyHash("h1");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->user.has_value());
  EXPECT_EQ(gone->version, changed->version + 1);
}

}  // namespace
}  // namespace llmsrouter::auth
