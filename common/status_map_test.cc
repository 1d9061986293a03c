#include "common/status_map.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace llmsrouter {
namespace {

TEST(StatusMapTest, CanonicalCodesToHttp) {
  EXPECT_EQ(HttpStatusFromStatus(absl::UnauthenticatedError("")), 401);
  EXPECT_EQ(HttpStatusFromStatus(absl::PermissionDeniedError("")), 403);
  EXPECT_EQ(HttpStatusFromStatus(absl::NotFoundError("")), 404);
  EXPECT_EQ(HttpStatusFromStatus(absl::InvalidArgumentError("")), 400);
  EXPECT_EQ(HttpStatusFromStatus(absl::ResourceExhaustedError("")), 429);
  EXPECT_EQ(HttpStatusFromStatus(absl::UnavailableError("")), 503);
  EXPECT_EQ(HttpStatusFromStatus(absl::DeadlineExceededError("")), 504);
}

TEST(StatusMapTest, ErrorBodyHasAllFourKeys) {
  auto body = nlohmann::json::parse(OpenAiErrorBody(absl::InvalidArgumentError("bad")));
  ASSERT_TRUE(body["error"].is_object());
  EXPECT_EQ(body["error"]["message"], "bad");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(body["error"].contains("param"));
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_TRUE(body["error"]["code"].is_null());
}

TEST(StatusMapTest, DetailsSurviveGrpcRoundTrip) {
  absl::Status original =
      WithOpenAiDetails(absl::NotFoundError("unknown model"), "model", "model_not_found");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(back.message(), "unknown model");
  EXPECT_EQ(ErrorParam(back), "model");
  EXPECT_EQ(ErrorCode(back), "model_not_found");
  auto body = nlohmann::json::parse(OpenAiErrorBody(back));
  EXPECT_EQ(body["error"]["param"], "model");
}

}  // namespace
}  // namespace llmsrouter
