#include "services/tracer/tracer_flags.h"

#include <gtest/gtest.h>

#include "common/testing/fake_env.h"

namespace llmsrouter::tracer {
namespace {

TracerAppOptions From(std::map<std::string, std::string> env) {
  auto options = Options::Parse(TracerFlagSpecs(), {}, FakeEnv(std::move(env)), {});
  EXPECT_TRUE(options.ok()) << options.status();
  return TracerOptionsFrom(*options);
}

TEST(TracerFlagsTest, JsonLinesKeepContentOutUnlessAskedExplicitly) {
  EXPECT_FALSE(From({}).batcher.content);  // default: JSON lines on stdout, no prompts
  EXPECT_TRUE(From({{"LLMSROUTER_TRACE_CONTENT", "true"}}).batcher.content);
  EXPECT_TRUE(From({{"LANGFUSE_HOST", "http://127.0.0.1:1"}}).batcher.content);
  EXPECT_FALSE(
      From({{"LANGFUSE_HOST", "http://127.0.0.1:1"}, {"LLMSROUTER_TRACE_CONTENT", "false"}})
          .batcher.content);
}

}  // namespace
}  // namespace llmsrouter::tracer
