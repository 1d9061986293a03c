#include "services/gateway/upload_limits.h"

#include <gtest/gtest.h>

namespace llmsrouter::gateway {
namespace {

http::request_header<> Header(http::verb method, std::string target, std::string type) {
  http::request_header<> header;
  header.method(method);
  header.target(target);
  if (!type.empty()) header.set(http::field::content_type, type);
  return header;
}

TEST(UploadLimitsTest, MultipartPostsUnderV1AreUploadsWithOpenAisLimits) {
  UploadLimits limits;
  const std::string form = "multipart/form-data; boundary=x";
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/audio/transcriptions", form)), 25u << 20);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/images/edits?x=1", form)), 50u << 20);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/uploads/up_1/parts", form)), 64u << 20);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/files", "Multipart/Form-Data; b=1")),
            512u << 20);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/other", form)), 512u << 20);
  // Not uploads: their bodies are read whole.
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/files", "application/json")), 0u);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/v1/files", "")), 0u);
  EXPECT_EQ(limits.For(Header(http::verb::get, "/v1/files", form)), 0u);
  EXPECT_EQ(limits.For(Header(http::verb::post, "/api/user/bypass", form)), 0u);
}

TEST(UploadLimitsTest, OverridesAndTheirErrors) {
  auto limits = UploadLimits::Create(1ull << 30, "audio/transcriptions=100MiB, files=1GiB");
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_EQ(limits->ForEndpoint("audio/transcriptions"), 100u << 20);
  EXPECT_EQ(limits->ForEndpoint("files"), 1u << 30);
  EXPECT_EQ(limits->ForEndpoint("images/edits"), 50u << 20);
  // A smaller maximum caps the defaults.
  EXPECT_EQ(UploadLimits(1000).ForEndpoint("audio/translations"), 1000u);
  for (const char* bad :
       {"audio=1MiB", "files", "files=", "files=0", "files=2TiB", "files=-1", "files=12x"}) {
    auto refused = UploadLimits::Create(1ull << 30, bad);
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << bad;
    EXPECT_NE(refused.status().message().find("--upload-limits"), std::string::npos) << bad;
  }
  auto over = UploadLimits::Create(1ull << 20, "files=2MiB");
  EXPECT_NE(over.status().message().find("--max-upload-bytes"), std::string::npos);
}

TEST(UploadLimitsTest, ParsesByteSizes) {
  EXPECT_EQ(*ParseByteSize("123"), 123u);
  EXPECT_EQ(*ParseByteSize("2KiB"), 2048u);
  EXPECT_EQ(*ParseByteSize(" 3 mib"), 3u << 20);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1u << 30);
  EXPECT_FALSE(ParseByteSize("").ok());
  EXPECT_FALSE(ParseByteSize("MiB").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999GiB").ok());
}

}  // namespace
}  // namespace llmsrouter::gateway
