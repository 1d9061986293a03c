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

TEST(StatusMapTest, LibraryMadeGrpcErrorsDoNotLeakAddresses) {
  grpc::Status library(grpc::StatusCode::UNAVAILABLE,
                       "failed to connect to all addresses; last error: UNKNOWN: "
                       "ipv4:127.0.0.1:44601: Failed to connect to remote host");
  absl::Status status = FromGrpcStatus(library);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message().find("127.0.0.1"), absl::string_view::npos);
  EXPECT_EQ(OpenAiErrorBody(status).find("127.0.0.1"), std::string::npos);
  EXPECT_NE(std::string(*status.GetPayload(kGrpcTransportDetail)).find("127.0.0.1"),
            std::string::npos);
  // Our servers' own errors keep their text, even without param or code.
  absl::Status ours = FromGrpcStatus(ToGrpcStatus(absl::UnavailableError("provider 'x': cut")));
  EXPECT_EQ(ours.message(), "provider 'x': cut");
  EXPECT_FALSE(ours.GetPayload(kGrpcTransportDetail).has_value());
  // A cancelled or timed-out call keeps its (address-free) text.
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"))
                .message(),
            "Deadline Exceeded");
}

}  // namespace
}  // namespace llmsrouter
