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

// The version poll may see a change only after a lookup already read it: that decision is
// current and stays cached (a replica that dropped it would need the store again, and fail
// while the store is down).
TEST_F(AuthenticatorTest, ADecisionReadAtTheObservedVersionStays) {
  ASSERT_TRUE(store_.ModifyUser("alice", {.permissions = {{"groq"}}}, 0).ok());
  auto result = auth_.Lookup(key_, "c");  // reads the change before the poll saw it
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->permissions, std::vector<std::string>{"groq"});
  auth_.ObserveVersion(*store_.Version());
  store_.down = true;
  auto cached = auth_.TryCached(key_, "c");
  ASSERT_TRUE(cached.has_value());
  ASSERT_TRUE(cached->ok());
  EXPECT_EQ((*cached)->permissions, std::vector<std::string>{"groq"});
  EXPECT_EQ(store_.lookups, 1);
}

TEST_F(AuthenticatorTest, ADecisionReadBeforeAnObservedChangeIsAnsweredNotKept) {
  auto before = store_.FindByKeyHash(HashApiKey(key_));  // what a slow lookup read
  ASSERT_TRUE(store_.ModifyUser("alice", {.enabled = false}, 0).ok());
  auth_.ObserveVersion(*store_.Version());
  // A lookup racing the poll: the store answers from before the change.
  FakeUserStore old_store;
  ASSERT_TRUE(old_store.AddUser(*before->user).ok());
  Authenticator racing{&old_store, &clock_};
  racing.ObserveVersion(*store_.Version());
  EXPECT_TRUE(racing.Lookup(key_, "c").ok());             // answered from the read
  EXPECT_FALSE(racing.TryCached(key_, "c").has_value());  // not kept: older than seen
}

TEST_F(AuthenticatorTest, AVersionGoingBackDropsEveryDecision) {
  ASSERT_TRUE(auth_.Lookup(key_, "c").ok());
  ASSERT_TRUE(auth_.TryCached(key_, "c").has_value());
  auth_.ObserveVersion(0);  // the store was reset (a Redis without persistence restarted)
  EXPECT_FALSE(auth_.TryCached(key_, "c").has_value());
}

TEST_F(AuthenticatorTest, NegativeCacheStaysBoundedAcrossVersionChanges) {
  // Unknown keys looked up, then a change: their decisions are dropped and the bound (3)
  // still holds for the ones cached after it.
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(auth_.Lookup(*GenerateApiKey(), "c").ok());
  ASSERT_TRUE(store_.ModifyUser("alice", {.email = "a@x"}, 0).ok());
  auth_.ObserveVersion(*store_.Version());
  std::vector<std::string> unknown;
  for (int i = 0; i < 5; ++i) {
    unknown.push_back(*GenerateApiKey());
    ASSERT_FALSE(auth_.Lookup(unknown.back(), "d" + std::to_string(i)).ok());
  }
  int cached = 0;
  for (const auto& key : unknown) cached += auth_.TryCached(key, "e").has_value() ? 1 : 0;
  EXPECT_EQ(cached, 3);
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

TEST_F(AuthenticatorTest, TooManyFailuresFromOneClientAreCutOffAfterABoundedNumberOfLookups) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "attacker").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  int lookups = store_.lookups;
  // Blocked: the burst of lookups (2) still reaches the store, and fails with 429; then none.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "attacker").status().code(),
              absl::StatusCode::kResourceExhausted);
  }
  EXPECT_EQ(store_.lookups, lookups + 2);
  EXPECT_EQ(auth_.TryCached("sk-malformed", "attacker")->status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(auth_.Lookup(key_, "someone-else").ok());
  clock_.now += absl::Minutes(2);
  EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "attacker").status().code(),
            absl::StatusCode::kUnauthenticated);
}

// The lock-out of issue 18: behind an ingress every client shares one address.
class SharedAddressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::string* key : {&alice_, &bob_}) {
      *key = *GenerateApiKey();
      User user{.name = key == &alice_ ? "alice" : "bob", .key_hash = HashApiKey(*key)};
      ASSERT_TRUE(store_.AddUser(user).ok());
    }
    auth_.ObserveVersion(*store_.Version());
  }
  // `n` fresh bad keys from the shared address; returns how many got 429.
  int BadKeys(int n) {
    int refused = 0;
    for (int i = 0; i < n; ++i) {
      auto code = auth_.Lookup(*GenerateApiKey(), kIngress).status().code();
      EXPECT_TRUE(code == absl::StatusCode::kUnauthenticated ||
                  code == absl::StatusCode::kResourceExhausted);
      refused += code == absl::StatusCode::kResourceExhausted;
    }
    return refused;
  }

  static constexpr char kIngress[] = "10.0.0.1";
  FakeUserStore store_;
  FakeClock clock_;
  Authenticator auth_{&store_, &clock_};  // default limits: 20 failures a minute
  std::string alice_;
  std::string bob_;
};

TEST_F(SharedAddressTest, AFreshValidKeyWorksAfter25BadKeys) {
  EXPECT_EQ(BadKeys(25), 5);              // the 21st to the 25th
  clock_.now += absl::Milliseconds(500);  // one lookup token
  auto result = auth_.Lookup(alice_, kIngress);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->user, "alice");
}

TEST_F(SharedAddressTest, ACachedValidKeyAlwaysWorks) {
  ASSERT_TRUE(auth_.Lookup(alice_, kIngress).ok());
  EXPECT_EQ(BadKeys(100), 80);
  int lookups = store_.lookups;
  for (int i = 0; i < 50; ++i) {
    auto cached = auth_.TryCached(alice_, kIngress);
    ASSERT_TRUE(cached.has_value());
    ASSERT_TRUE(cached->ok()) << cached->status();
    ASSERT_TRUE(auth_.Lookup(alice_, kIngress).ok());
  }
  EXPECT_EQ(store_.lookups, lookups);
}

TEST_F(SharedAddressTest, ABlockedAddressKeepsGetting429ForInvalidKeys) {
  std::string known_bad = *GenerateApiKey();
  EXPECT_EQ(auth_.Lookup(known_bad, kIngress).status().code(), absl::StatusCode::kUnauthenticated);
  BadKeys(30);
  int lookups = store_.lookups;
  // Over 10 s, 100 fresh bad keys reach the store at most at the refill rate (2/s).
  for (int i = 0; i < 100; ++i) {
    clock_.now += absl::Milliseconds(100);
    EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), kIngress).status().code(),
              absl::StatusCode::kResourceExhausted);
  }
  EXPECT_LE(store_.lookups - lookups, 2 + 20);
  EXPECT_GE(store_.lookups - lookups, 15);
  // A known-bad key from the negative cache, a malformed key, a wrong key: all 429.
  EXPECT_EQ(auth_.Lookup(known_bad, kIngress).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(auth_.Lookup("sk-nope", kIngress).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Valid keys, fresh or cached, still work, and other addresses are not affected.
  clock_.now += absl::Seconds(1);
  EXPECT_TRUE(auth_.Lookup(bob_, kIngress).ok());
  EXPECT_TRUE(auth_.Lookup(bob_, kIngress).ok());
  EXPECT_EQ(auth_.Lookup(*GenerateApiKey(), "10.0.0.2").status().code(),
            absl::StatusCode::kUnauthenticated);
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
