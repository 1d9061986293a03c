#include "common/options.h"

#include <gtest/gtest.h>

#include "common/testing/fake_env.h"

namespace llmsrouter {
namespace {

std::vector<FlagSpec> Specs() {
  return {{"listen", "LLMSROUTER_LISTEN", "127.0.0.1:8000", "address"},
          {"config", "LLMSROUTER_CONFIG", "./config.yaml", "config file"},
          {"", "ENABLE_ACCOUNT_MANAGEMENT", "false", "accounts"},
          {"verbose", "", "false", "more logs", true}};
}

TEST(OptionsTest, FlagBeatsEnvBeatsDotEnvBeatsDefault) {
  auto dotenv = ParseDotEnv(
      "LLMSROUTER_LISTEN=1.1.1.1:1\nLLMSROUTER_CONFIG=dot.yaml\n"
      "ENABLE_ACCOUNT_MANAGEMENT=true\n");
  auto options = Options::Parse(
      Specs(), {"--listen", "0.0.0.0:9"},
      FakeEnv({{"LLMSROUTER_LISTEN", "2.2.2.2:2"}, {"LLMSROUTER_CONFIG", "env.yaml"}}), dotenv);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->Get("listen"), "0.0.0.0:9");
  EXPECT_EQ(options->Get("config"), "env.yaml");
  EXPECT_TRUE(options->GetBool("ENABLE_ACCOUNT_MANAGEMENT"));
  EXPECT_FALSE(options->GetBool("verbose"));
}

TEST(OptionsTest, EqualsFormBoolFlagsAndHelp) {
  auto options =
      Options::Parse(Specs(), {"--config=x.yaml", "--verbose", "--help"}, FakeEnv({}), {});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->Get("config"), "x.yaml");
  EXPECT_TRUE(options->GetBool("verbose"));
  EXPECT_TRUE(options->help());
  EXPECT_NE(options->HelpText("usage").find("--listen VALUE  [LLMSROUTER_LISTEN]"),
            std::string::npos);
}

TEST(OptionsTest, RejectsUnknownAndMissingValues) {
  EXPECT_FALSE(Options::Parse(Specs(), {"--nope"}, FakeEnv({}), {}).ok());
  EXPECT_FALSE(Options::Parse(Specs(), {"--listen"}, FakeEnv({}), {}).ok());
  EXPECT_FALSE(Options::Parse(Specs(), {"stray"}, FakeEnv({}), {}).ok());
}

TEST(OptionsTest, DotEnvSyntax) {
  auto vars = ParseDotEnv("# comment\nexport A=1\nB = \"two words\"\nC='x#y'\nD=v # note\nbad\n");
  EXPECT_EQ(vars["A"], "1");
  EXPECT_EQ(vars["B"], "two words");
  EXPECT_EQ(vars["C"], "x#y");
  EXPECT_EQ(vars["D"], "v");
  EXPECT_EQ(vars.count("bad"), 0u);
}

}  // namespace
}  // namespace llmsrouter
