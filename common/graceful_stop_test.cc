#include "common/graceful_stop.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace llmsrouter {
namespace {

absl::StatusOr<Options> Parse(std::vector<std::string> args) {
  return Options::Parse(GrpcListenerFlagSpecs("10"), args,
                        [](std::string_view) { return std::nullopt; }, {});
}

TEST(GracefulStopTest, DefaultsAndFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  auto settings = GrpcListenerSettingsFrom(*defaults);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->drain_delay, absl::Seconds(5));
  EXPECT_EQ(settings->drain_timeout, absl::Seconds(10));
  EXPECT_EQ(settings->max_connection_age, absl::Minutes(5));
  auto set = Parse({"--drain-delay", "0", "--drain-timeout", "3", "--max-connection-age", "2"});
  ASSERT_TRUE(set.ok());
  settings = GrpcListenerSettingsFrom(*set);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->drain_delay, absl::ZeroDuration());
  EXPECT_EQ(settings->drain_timeout, absl::Seconds(3));
  EXPECT_EQ(settings->max_connection_age, absl::Seconds(2));
}

TEST(GracefulStopTest, BadValuesNameTheFlag) {
  for (auto [flag, value] :
       {std::pair{"--drain-delay", "-1"}, std::pair{"--drain-delay", "soon"},
        std::pair{"--drain-timeout", "x"}, std::pair{"--max-connection-age", "0"}}) {
    auto options = Parse({flag, value});
    ASSERT_TRUE(options.ok());
    auto settings = GrpcListenerSettingsFrom(*options);
    ASSERT_FALSE(settings.ok()) << flag << " " << value;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(settings.status().message()).find(flag), std::string::npos)
        << settings.status();
  }
}

TEST(GracefulStopTest, ASecondSigtermEndsTheDelay) {
  SignalWaiter signals;  // blocks SIGTERM in this thread: raise() leaves it pending
  ASSERT_EQ(raise(SIGTERM), 0);
  // Would block for an hour without the pending signal.
  WaitOutDrainDelay(signals, absl::Hours(1), "test");
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGTERM)) << "the signal was not consumed";
  EXPECT_EQ(signals.WaitFor(absl::ZeroDuration()), 0);
}

}  // namespace
}  // namespace llmsrouter
