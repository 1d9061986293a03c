#include "services/router/lease_renewer.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "services/router/testing/fake_limits_client.h"

namespace llmsrouter::router {
namespace {

TEST(LeaseRenewerTest, RenewsEachCallEveryThirdOfItsLeaseUntilRemoved) {
  testing::FakeLimitsClient client;
  FakeClock clock;
  LeaseRenewer renewer(&client, &clock);
  renewer.Add("alice", "call-1", absl::Seconds(30));
  clock.now += absl::Seconds(5);
  renewer.Add("bob", "call-2", absl::Seconds(30));
  renewer.RenewDue();
  EXPECT_TRUE(client.renews().empty());  // nothing due yet: no call at all
  clock.now += absl::Seconds(5);         // call-1 is 10 s old
  renewer.RenewDue();
  ASSERT_EQ(client.renews().size(), 1u);
  ASSERT_EQ(client.renews()[0].leases_size(), 1);
  EXPECT_EQ(client.renews()[0].leases(0).user(), "alice");
  EXPECT_EQ(client.renews()[0].leases(0).call_id(), "call-1");
  clock.now += absl::Seconds(5);  // call-2 due; call-1 next at 20 s
  renewer.RenewDue();
  ASSERT_EQ(client.renews().size(), 2u);
  EXPECT_EQ(client.renews()[1].leases(0).call_id(), "call-2");
  clock.now += absl::Seconds(10);  // both due (call-1 at 20 s, call-2 at 25 s): one batch
  renewer.RenewDue();
  ASSERT_EQ(client.renews().size(), 3u);
  EXPECT_EQ(client.renews()[2].leases_size(), 2);
  renewer.Remove("call-1");
  renewer.Remove("unknown");
  EXPECT_EQ(renewer.size(), 1u);
  clock.now += absl::Seconds(60);
  renewer.RenewDue();
  ASSERT_EQ(client.renews().size(), 4u);
  ASSERT_EQ(client.renews()[3].leases_size(), 1);
  EXPECT_EQ(client.renews()[3].leases(0).call_id(), "call-2");
}

}  // namespace
}  // namespace llmsrouter::router
