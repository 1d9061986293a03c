#include "services/router/call_auth.h"

#include <gtest/gtest.h>

#include "common/testing/fake_auth_client.h"

namespace llmsrouter::router {
namespace {

class CallAuthTest : public ::testing::Test {
 protected:
  CallAuthTest() {
    auth_.keys["llmr-alice"] = AuthInfo{"alice", {"fake"}, false, "[fake]gpt-fake-mini"};
    auth_.keys["llmr-root"] = AuthInfo{"root", {}, true, ""};
  }

  absl::StatusOr<CallerGrant> Decide(CallAuthorizer& authorizer, bool trusted,
                                     std::string_view authorization) {
    std::optional<absl::StatusOr<CallerGrant>> out;
    authorizer.Authorize(trusted, authorization, "10.0.0.7",
                         [&](absl::StatusOr<CallerGrant> grant) { out = std::move(grant); });
    EXPECT_TRUE(out.has_value()) << "done did not run";
    return out.value_or(absl::InternalError("no answer"));
  }

  static v1::CallRequest Spoofed() {
    v1::CallRequest call;
    call.set_endpoint("chat/completions");
    call.set_user("mallory");
    call.set_restrict_providers(false);
    call.add_allowed_providers("other");
    call.set_model_override("[other]expensive");
    return call;
  }

  FakeAuthClient auth_;
  CallerTrust trust_{TrustPolicy{}};
};

TEST_F(CallAuthTest, DirectClientWithoutKeyIsUnauthenticated) {
  CallAuthorizer authorizer({.accounts = true}, &trust_, &auth_);
  EXPECT_EQ(Decide(authorizer, false, "").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Decide(authorizer, false, "Bearer llmr-nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_.clients_seen.back(), "10.0.0.7");
}

TEST_F(CallAuthTest, DirectClientFieldsComeFromItsKey) {
  CallAuthorizer authorizer({.accounts = true, .bypass = true}, &trust_, &auth_);
  auto grant = Decide(authorizer, false, "bearer  llmr-alice ");
  ASSERT_TRUE(grant.ok()) << grant.status();
  v1::CallRequest call = Spoofed();
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.user(), "alice");
  EXPECT_TRUE(call.restrict_providers());
  ASSERT_EQ(call.allowed_providers_size(), 1);
  EXPECT_EQ(call.allowed_providers(0), "fake");
  EXPECT_EQ(call.model_override(), "[fake]gpt-fake-mini");  // User-Bypass, not the spoof

  call = Spoofed();
  call.set_endpoint("embeddings");  // bypass applies to chat only
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.model_override(), "");
}

TEST_F(CallAuthTest, BypassOffIgnoresTheStoredModel) {
  CallAuthorizer authorizer({.accounts = true, .bypass = false}, &trust_, &auth_);
  auto grant = Decide(authorizer, false, "Bearer llmr-alice");
  ASSERT_TRUE(grant.ok());
  v1::CallRequest call = Spoofed();
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.model_override(), "");
}

TEST_F(CallAuthTest, AllProvidersKeyIsNotRestricted) {
  CallAuthorizer authorizer({.accounts = true}, &trust_, &auth_);
  auto grant = Decide(authorizer, false, "Bearer llmr-root");
  ASSERT_TRUE(grant.ok());
  v1::CallRequest call = Spoofed();
  call.set_restrict_providers(true);
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.user(), "root");
  EXPECT_FALSE(call.restrict_providers());
  EXPECT_EQ(call.allowed_providers_size(), 0);
}

TEST_F(CallAuthTest, TrustedGatewayFieldsStandWithoutAKey) {
  CallAuthorizer authorizer({.accounts = true}, &trust_, &auth_);
  auto grant = Decide(authorizer, true, "");
  ASSERT_TRUE(grant.ok());
  EXPECT_TRUE(auth_.clients_seen.empty());  // no lookup
  v1::CallRequest call = Spoofed();
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.user(), "mallory");
  EXPECT_EQ(call.model_override(), "[other]expensive");
}

TEST_F(CallAuthTest, WithoutAccountsADirectClientGetsNoUserAndNoOverride) {
  CallAuthorizer authorizer({}, &trust_, nullptr);
  auto grant = Decide(authorizer, false, "");
  ASSERT_TRUE(grant.ok());
  v1::CallRequest call = Spoofed();
  call.set_restrict_providers(true);
  ApplyGrant(*grant, &call);
  EXPECT_EQ(call.user(), "");
  EXPECT_EQ(call.model_override(), "");
  EXPECT_TRUE(call.restrict_providers());  // narrowing itself is harmless
}

TEST_F(CallAuthTest, ChatUserAndModelListFollowTheKey) {
  CallAuthorizer authorizer({.accounts = true}, &trust_, &auth_);
  auto grant = Decide(authorizer, false, "Bearer llmr-alice");
  ASSERT_TRUE(grant.ok());
  v1::ChatRequest chat;
  chat.set_user("mallory");
  ApplyGrant(*grant, &chat);
  EXPECT_EQ(chat.user(), "alice");
  v1::ListModelsRequest list;
  list.add_providers("other");
  ApplyGrant(*grant, &list);
  EXPECT_TRUE(list.restrict());
  ASSERT_EQ(list.providers_size(), 1);
  EXPECT_EQ(list.providers(0), "fake");
}

TEST(PeerAddressTest, DropsSchemeAndPort) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:51234"), "10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:5000"), "::1");
  EXPECT_EQ(PeerAddress("unix:/tmp/s"), "unix:/tmp/s");
}

}  // namespace
}  // namespace llmsrouter::router
