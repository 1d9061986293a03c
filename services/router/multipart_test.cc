#include "services/router/multipart.h"

#include <gtest/gtest.h>

namespace llmsrouter::router {
namespace {

std::string Form(std::string_view boundary, const std::string& file_bytes,
                 const std::string& model) {
  std::string b(boundary);
  return "--" + b +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.wav\"\r\n"
         "Content-Type: audio/wav\r\n\r\n" +
         file_bytes + "\r\n--" + b + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n" +
         model + "\r\n--" + b + "--\r\n";
}

std::string ValueOf(const std::string& body, std::string_view name) {
  auto range = FindMultipartField(body, "XyZ", name);
  EXPECT_TRUE(range.ok()) << range.status();
  if (!range.ok() || !*range) return "<none>";
  return body.substr((*range)->first, (*range)->second - (*range)->first);
}

TEST(MultipartTest, ReadsTheBoundary) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data; boundary=\"a b\"; charset=x"), "a b");
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; xboundary=no; boundary=yes"), "yes");
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; xboundary=no").ok());
  EXPECT_TRUE(IsMultipart("multipart/form-data; boundary=x"));
  EXPECT_FALSE(IsMultipart("application/json"));
  for (std::string bad :
       {std::string("multipart/form-data"), std::string("multipart/form-data; boundary="),
        "multipart/form-data; boundary=" + std::string(71, 'a')}) {
    EXPECT_EQ(MultipartBoundary(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(MultipartTest, FindsTheModelAfterTheFileAndIgnoresFilename) {
  std::string bytes("RIFF\r\n--Xy\r\n\0\xff name=\"model\"", 27);
  EXPECT_EQ(ValueOf(Form("XyZ", bytes, "[a]whisper-1"), "model"), "[a]whisper-1");
  EXPECT_EQ(ValueOf(Form("XyZ", bytes, "[a]whisper-1"), "file"), "<none>");  // a file part
  std::string form = Form("XyZ", bytes, "m");
  auto parts = MultipartParts(form, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_TRUE((*parts)[0].file);
  EXPECT_EQ(form.substr((*parts)[0].begin, (*parts)[0].end - (*parts)[0].begin), bytes);
  EXPECT_EQ((*parts)[1].name, "model");
  EXPECT_FALSE((*parts)[1].file);
  EXPECT_EQ(ValueOf(Form("XyZ", bytes, ""), "model"), "");
  EXPECT_EQ(ValueOf(Form("XyZ", bytes, "m"), "purpose"), "<none>");
}

TEST(MultipartTest, RefusesMalformedBodies) {
  std::string good = Form("XyZ", "data", "m");
  for (std::string bad : {std::string("not multipart at all"), good.substr(0, good.size() - 9),
                          std::string("--XyZ\r\nContent-Disposition: form-data; name=\"a\""),
                          std::string("--XyZjunk")}) {
    auto range = FindMultipartField(bad, "XyZ", "model");
    EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(range.status().message().find("malformed multipart"), std::string::npos);
  }
}

}  // namespace
}  // namespace llmsrouter::router
