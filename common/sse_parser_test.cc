#include "common/sse_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmsrouter {
namespace {

using ::testing::ElementsAre;

struct Collected {
  std::vector<std::string> raw;
  std::vector<std::string> data;
};

void FeedAll(SseParser& parser, const std::vector<std::string>& pieces, Collected& out) {
  for (const auto& piece : pieces) {
    parser.Feed(piece, [&](std::string_view raw, std::string_view data) {
      out.raw.emplace_back(raw);
      out.data.emplace_back(data);
    });
  }
}

TEST(SseParserTest, SplitsEventsAcrossArbitraryChunks) {
  const std::string stream = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    SseParser parser;
    Collected got;
    FeedAll(parser, {stream.substr(0, cut), stream.substr(cut)}, got);
    EXPECT_THAT(got.data, ElementsAre("{\"a\":1}", "{\"b\":2}", "[DONE]")) << "cut " << cut;
    EXPECT_EQ(got.raw[0] + got.raw[1] + got.raw[2], stream);
    EXPECT_TRUE(parser.pending().empty());
  }
}

TEST(SseParserTest, HandlesCrLfEventFieldsAndMultiLineData) {
  SseParser parser;
  Collected got;
  FeedAll(parser, {"event: response.created\r\ndata: x\r\ndata: y\r\n\r\n: ping\n\n"}, got);
  EXPECT_THAT(got.data, ElementsAre("x\ny", ""));
  EXPECT_EQ(got.raw[0], "event: response.created\r\ndata: x\r\ndata: y\r\n\r\n");
}

TEST(SseParserTest, KeepsIncompleteTail) {
  SseParser parser;
  Collected got;
  FeedAll(parser, {"data: 1\n\ndata: 2"}, got);
  EXPECT_THAT(got.data, ElementsAre("1"));
  EXPECT_EQ(parser.pending(), "data: 2");
  FeedAll(parser, {"\n\n"}, got);
  EXPECT_THAT(got.data, ElementsAre("1", "2"));
}

TEST(SseParserTest, ByteAtATimeCrLf) {
  const std::string stream = "data: a\r\n\r\ndata: b\r\n\r\n";
  SseParser parser;
  Collected got;
  for (char c : stream) FeedAll(parser, {std::string(1, c)}, got);
  EXPECT_THAT(got.data, ElementsAre("a", "b"));
  EXPECT_EQ(got.raw[0], "data: a\r\n\r\n");
}

TEST(SseParserTest, RefusesAnUnterminatedEventPastItsCap) {
  SseParser parser(/*max_pending=*/64);
  std::vector<std::string> events;
  auto collect = [&](std::string_view raw, std::string_view) { events.emplace_back(raw); };
  // Complete events of any size pass; only what is still pending counts.
  EXPECT_TRUE(parser.Feed("data: " + std::string(100, 'a') + "\n\n", collect));
  EXPECT_EQ(events.size(), 1u);
  EXPECT_TRUE(parser.Feed("data: " + std::string(50, 'b'), collect));
  EXPECT_EQ(parser.pending().size(), 56u);
  EXPECT_FALSE(parser.Feed(std::string(20, 'b'), collect));  // 76 > 64, no blank line
  EXPECT_TRUE(parser.pending().empty());                     // dropped, memory freed
  EXPECT_EQ(events.size(), 1u);
}

TEST(SseParserTest, NewlinesWithoutABlankLineStillCount) {
  SseParser parser(/*max_pending=*/64);
  bool ok = true;
  for (int i = 0; i < 10 && ok; ++i) {
    ok = parser.Feed("data: 0123456789\n", [](std::string_view, std::string_view) {});
  }
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace llmsrouter
