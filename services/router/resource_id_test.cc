#include "services/router/resource_id.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

TEST(ResourceIdTest, KeepsTheTypePrefixAndCarriesTheAlias) {
  EXPECT_EQ(EncodeResourceId("openai", "file-abc123"), "file-llmsr.b3BlbmFp.abc123");
  EXPECT_EQ(EncodeResourceId("openai", "resp_9"), "resp_llmsr.b3BlbmFp.9");
  EXPECT_EQ(EncodeResourceId("a", "plain"), "llmsr.YQ.plain");
}

TEST(ResourceIdTest, RoundTripsAnyAlias) {
  for (std::string alias : {"a", "openai", "my provider/é", "x.y-z_w"}) {
    for (std::string id : {"file-abc", "batch_x-y", "vs_1", "resp_", "noprefix"}) {
      std::string text = "/files/" + EncodeResourceId(alias, id) + "/content";
      auto decoded = DecodeResourceIds(&text);
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      EXPECT_EQ(*decoded, alias);
      EXPECT_EQ(text, "/files/" + id + "/content");
    }
  }
}

TEST(ResourceIdTest, EncodedIdsAreUrlSafe) {
  std::string id = EncodeResourceId("my provider/é?&", "file-abc");
  EXPECT_EQ(
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
      std::string::npos)
      << id;
}

TEST(ResourceIdTest, DecodesEveryIdInABody) {
  std::string body = R"({"previous_response_id":")" + EncodeResourceId("b", "resp_1") +
                     R"(","input":[{"type":"input_file","file_id":")" +
                     EncodeResourceId("b", "file-2") + R"("}]})";
  auto alias = DecodeResourceIds(&body);
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(*alias, "b");
  EXPECT_EQ(
      body,
      R"({"previous_response_id":"resp_1","input":[{"type":"input_file","file_id":"file-2"}]})");
}

TEST(ResourceIdTest, RefusesIdsOfTwoProviders) {
  std::string body = EncodeResourceId("a", "file-1") + " " + EncodeResourceId("b", "file-2");
  auto alias = DecodeResourceIds(&body);
  EXPECT_EQ(alias.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(alias.status().message().find("two providers"), std::string::npos);
}

TEST(ResourceIdTest, LeavesTextThatOnlyLooksLikeAnInfix) {
  for (std::string text : {"see xllmsr.YQ.z", "llmsr.", "llmsr.!!.x", "llmsr.YQ", "llmsr..x"}) {
    std::string copy = text;
    auto alias = DecodeResourceIds(&copy);
    ASSERT_TRUE(alias.ok());
    EXPECT_EQ(*alias, "");
    EXPECT_EQ(copy, text);
  }
}

TEST(ResourceIdTest, EncodesIdValuesInAnswersOnly) {
  std::string json =
      R"({"id": "file-1", "object":"file", "filename":"file-2", "data":[{"id":"batch_3",)"
      R"("input_file_id":"file-4","file_ids":["file-5","vs_6"]}], "text":"resp_7",)"
      R"("first_id":"msg_8","note":"id","x":"file-9"})";
  ASSERT_TRUE(EncodeResourceIdsInJson("p", &json));
  std::string p = "llmsr.cA.";
  EXPECT_EQ(json, R"({"id": "file-)" + p +
                      R"(1", "object":"file", "filename":"file-2", )"
                      R"("data":[{"id":"batch_)" +
                      p + R"(3","input_file_id":"file-)" + p + R"(4","file_ids":["file-)" + p +
                      R"(5","vs_)" + p +
                      R"(6"]}], "text":"resp_7","first_id":"msg_8","note":"id","x":"file-9"})");
}

TEST(ResourceIdTest, EncodesIdsInSseEventsAndLeavesOtherTextAlone) {
  std::string sse =
      "event: response.created\ndata: {\"response\":{\"id\":\"resp_1\",\"x\":\"a\\\"b\"}}\n\n";
  ASSERT_TRUE(EncodeResourceIdsInJson("p", &sse));
  EXPECT_EQ(sse,
            "event: response.created\ndata: {\"response\":{\"id\":\"resp_llmsr.cA.1\",\"x\":"
            "\"a\\\"b\"}}\n\n");
  std::string untouched = R"({"id":"chatcmpl-1","choices":[]})";
  EXPECT_FALSE(EncodeResourceIdsInJson("p", &untouched));
  std::string already = R"({"id":"file-llmsr.cA.1"})";
  EXPECT_FALSE(EncodeResourceIdsInJson("p", &already));
}

TEST(ResourceIdTest, KnowsWhichEndpointsCarryResourceIds) {
  EXPECT_TRUE(EndpointHasResourceIds("files"));
  EXPECT_TRUE(EndpointHasResourceIds("files/file-1/content"));
  EXPECT_TRUE(EndpointHasResourceIds("responses"));
  EXPECT_TRUE(EndpointHasResourceIds("vector_stores/vs_1/files"));
  EXPECT_FALSE(EndpointHasResourceIds("chat/completions"));
  EXPECT_FALSE(EndpointHasResourceIds("filesystem"));
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

// A hostile body full of infixes is decoded in one linear pass (this would take minutes if
// each infix were erased in place).
TEST(ResourceIdHostileTest, ManyInfixesDecodeInOnePass) {
  std::string body;
  for (int i = 0; i < 400000; ++i) body += "\"file-llmsr.YQ.1\",";
  auto alias = DecodeResourceIds(&body);
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(*alias, "a");
  EXPECT_EQ(body.size(), 400000u * 9);
  EXPECT_EQ(body.substr(0, 18), "\"file-1\",\"file-1\",");
}

// Request bodies: only the values of id keys are decoded; answers: only exact id types
// are encoded (a batch's request ids, "batch_req_...", are not batch ids).
TEST(ResourceIdJsonTest, DecodesOnlyIdKeysAndEncodesOnlyExactTypes) {
  std::string body = R"({"file_ids":["file-llmsr.YQ.1"],"note":"file-llmsr.Yg.2"})";
  auto alias = DecodeResourceIdsInJson(&body);
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(*alias, "a");
  EXPECT_EQ(body, R"({"file_ids":["file-1"],"note":"file-llmsr.Yg.2"})");
  std::string mixed = R"({"id":"file-llmsr.YQ.1","file_id":"file-llmsr.Yg.2"})";
  EXPECT_EQ(DecodeResourceIdsInJson(&mixed).status().code(), absl::StatusCode::kInvalidArgument);
  std::string answer = R"({"id":"batch_req_1","custom_id":"x","batch_id":"batch_7"})";
  EXPECT_TRUE(EncodeResourceIdsInJson("a", &answer));
  EXPECT_EQ(answer, R"({"id":"batch_req_1","custom_id":"x","batch_id":"batch_llmsr.YQ.7"})");
}

}  // namespace
}  // namespace llmsrouter::router
