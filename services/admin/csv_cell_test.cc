#include "services/admin/csv_cell.h"

#include <gtest/gtest.h>

namespace llmsrouter::admin {
namespace {

TEST(CsvCellTest, FormulaPrefixesAreNeutralised) {
  EXPECT_EQ(CsvCell("=HYPERLINK(\"http://x\",\"y\")@a.b"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")@a.b\"");
  EXPECT_EQ(CsvCell("+1@example.com"), "'+1@example.com");
  EXPECT_EQ(CsvCell("-2+3"), "'-2+3");
  EXPECT_EQ(CsvCell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvCell("\tx"), "'\tx");
  EXPECT_EQ(CsvCell("\rx"), "\"'\rx\"");
}

TEST(CsvCellTest, PlainValuesAndQuoting) {
  EXPECT_EQ(CsvCell("alice@example.com"), "alice@example.com");
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("a=b"), "a=b");  // only a leading character counts
}

}  // namespace
}  // namespace llmsrouter::admin
