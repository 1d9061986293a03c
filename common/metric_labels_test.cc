#include "common/metric_labels.h"

#include <gtest/gtest.h>

#include <string>

namespace llmsrouter {
namespace {

TEST(RouteLabelTest, KnownRoutesKeepTheirName) {
  for (std::string_view route :
       {"chat/completions", "completions", "embeddings", "responses", "audio/speech",
        "audio/transcriptions", "images/generations", "files", "batches", "moderations"}) {
    EXPECT_EQ(RouteLabel(route), route);
  }
}

TEST(RouteLabelTest, ResourcesWithIdsFoldIntoOneLabel) {
  EXPECT_EQ(RouteLabel("files/file-123/content"), "files/*");
  EXPECT_EQ(RouteLabel("batches/batch_1/cancel"), "batches/*");
  EXPECT_EQ(RouteLabel("responses/resp_9"), "responses/*");
  EXPECT_EQ(RouteLabel("threads/thread_1/runs"), "threads/*");
  EXPECT_EQ(RouteLabel("threads/runs"), "threads/runs");
}

TEST(RouteLabelTest, EverythingElseIsOther) {
  for (std::string_view endpoint :
       {"", "x1", "x19999", "chat/completionsX", "chat", "audio/", "audio/other", "files/",
        "../../etc/passwd", "chat/completions\n", "images/generations/../x"}) {
    EXPECT_EQ(RouteLabel(endpoint), kOtherRoute) << endpoint;
  }
  // 20,000 distinct paths give one label.
  for (int i = 0; i < 20000; ++i) ASSERT_EQ(RouteLabel("x" + std::to_string(i)), kOtherRoute);
}

TEST(ProviderLabelTest, AliasesStayUrlsBecomeAdhoc) {
  EXPECT_EQ(ProviderLabel("openai"), "openai");
  EXPECT_EQ(ProviderLabel(""), "none");
  EXPECT_EQ(ProviderLabel("adhoc"), kAdhocProvider);
  EXPECT_EQ(ProviderLabel("http://user:secret@127.0.0.2:9/v1"), kAdhocProvider);
  EXPECT_EQ(ProviderLabel("https://127.0.0.2/v1?key=secret"), kAdhocProvider);
  EXPECT_EQ(ProviderLabel("user:secret@127.0.0.2"), kAdhocProvider);
}

}  // namespace
}  // namespace llmsrouter
