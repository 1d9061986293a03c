#include "services/auth/authenticator.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "services/auth/api_key.h"
#include "services/auth/testing/fake_user_store.h"

namespace llmsrouter::auth {
namespace {

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *GenerateApiKey();
    User user{.name = "alice", .permissions = {"openai"}, .key_hash = HashApiKey(key_)};
    ASSERT_TRUE(store_.AddUser(user).ok());
    auth_.ObserveVersion(*store_.Version());
  }

  FakeUserStore store_;
  FakeClock clock_;
  Authenticator auth_{&store_, &clock_,
                      AuthenticatorOptions{.negative_cache_size = 3, .max_failures = 5}};
  std::string key_;
};

TEST_F(AuthenticatorTest, KnownKeyIsLookedUpOnceThenServedFromCache) {
  EXPECT_FALSE(auth_.TryCached(key_, "c").has_value());
  auto result = auth_.Lookup(key_, "c");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->user, "alice");
  EXPECT_EQ(result->permissions, std::vector<std::string>{"openai"});
  EXPECT_FALSE(result->all_providers);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(auth_.TryCached(key_, "c").has_value());
  EXPECT_EQ(store_.lookups, 1);
  EXPECT_EQ(auth_.hits(), 100u);
}

TEST_F(AuthenticatorTest, ChangesApplyOnTheNextVersion) {
  ASSERT_TRUE(auth_.Lookup(key_, "c").ok());
  ASSERT_TRUE(store_.ModifyUser("alice", {.enabled = false}, 0).ok());
  EXPECT_TRUE(auth_.TryCached(key_, "c")->ok());  // the version was not observed yet
  auth_.ObserveVersion(*store_.Version());
  EXPECT_FALSE(auth_.TryCached(key_, "c").has_value());
  auto result = auth_.Lookup(key_, "c");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(result.status().message().find("disabled"), absl::string_view::npos);
}

TEST_F(AuthenticatorTest, MissingMalformedAndUnknownKeysAreUnauthenticated) {
  EXPECT_EQ(auth_.TryCached("", "c")->status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_.TryCached("sk-other", "c")->status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store_.lookups, 0);  // neither reached the store
  std::string unknown = *GenerateApiKey();
  EXPECT_EQ(auth_.Lookup(unknown, "c").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_.Lookup(unknown, "d").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store_.lookups, 1);  // negative cache
}

TEST_F(AuthenticatorTest, NegativeCacheIsBounded) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back(*GenerateApiKey());
    (void)auth_.Lookup(keys.back(), std::to_string(i));
  }
  EXPECT_EQ(store_.lookups, 5);
  EXPECT_FALSE(auth_.TryCached(keys[0], "z").has_value());  // evicted
  EXPECT_TRUE(auth_.TryCached(keys[4], "z").has_value());
}

TEST_F(AuthenticatorTest, TooManyFailuresFromOneClientAreCutOffWithoutTheStore) {
  for (int i = 0; i < 5; ++i) (void)auth_.Lookup(*GenerateApiKey(), "attacker");
  int lookups = store_.lookups;
  auto blocked = auth_.Lookup(*GenerateApiKey(), "attacker");
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store_.lookups, lookups);
  EXPECT_EQ(auth_.Lookup(key_, "attacker").status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(auth_.Lookup(key_, "someone-else").ok());
  clock_.now += absl::Minutes(2);
  EXPECT_TRUE(auth_.Lookup(key_, "attacker").ok());
}

TEST_F(AuthenticatorTest, StoreDownFailsFreshLookupsButNotCachedOnes) {
  ASSERT_TRUE(auth_.Lookup(key_, "c").ok());
  store_.down = true;
  EXPECT_TRUE(auth_.TryCached(key_, "c")->ok());
  EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "c").status().code(), absl::StatusCode::kUnavailable);
  store_.down = false;
  EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "c").status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace llmsrouter::auth
