#include "services/admin/import_file.h"

#include <gtest/gtest.h>

namespace llmsrouter::admin {
namespace {

TEST(ImportCsvTest, HeaderOrderQuotesAndBadRowsWithLineNumbers) {
  auto file = ParseCsv(
      "email,username,permissions\n"
      "a@x.io,alice,\"openai,deepseek\"\n"
      "\n"
      "b@x.io,,openai\n"
      "c@x.io,carol,*\n"
      "d@x.io,\"dave,openai\n"
      "e@x.io,erin,openai;local\n");
  ASSERT_EQ(file.rows.size(), 3u);
  EXPECT_EQ(file.rows[0].username, "alice");
  EXPECT_EQ(file.rows[0].email, "a@x.io");
  EXPECT_EQ(file.rows[0].permissions, (std::vector<std::string>{"openai", "deepseek"}));
  EXPECT_EQ(file.rows[1].permissions, std::vector<std::string>{"*"});
  EXPECT_EQ(file.rows[2].line, 7);
  EXPECT_EQ(file.rows[2].permissions, (std::vector<std::string>{"openai", "local"}));
  ASSERT_EQ(file.problems.size(), 2u);
  EXPECT_EQ(file.problems[0].line, 4);
  EXPECT_EQ(file.problems[1].line, 6);
}

TEST(ImportCsvTest, HeaderWithoutUsernameIsAProblem) {
  auto file = ParseCsv("email,permissions\nx,y\n");
  EXPECT_TRUE(file.rows.empty());
  ASSERT_EQ(file.problems.size(), 1u);
  EXPECT_EQ(file.problems[0].line, 1);
}

TEST(ImportJsonTest, StringOrListPermissions) {
  auto file =
      ParseJson(R"([{"username":"a","permissions":"x,y"},{"username":"b","permissions":["z"]},
                            {"email":"no-name"},{"username":"c","permissions":5}])");
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].permissions, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(file.rows[1].permissions, std::vector<std::string>{"z"});
  ASSERT_EQ(file.problems.size(), 2u);
  EXPECT_EQ(file.problems[0].line, 3);
  EXPECT_EQ(ParseJson("{}").problems.size(), 1u);
}

}  // namespace
}  // namespace llmsrouter::admin
