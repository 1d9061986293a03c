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

// The first `n` bytes of a form, as a streamed upload's bounded prefix.
PrefixField InPrefix(const std::string& form, size_t n) {
  auto field = FindMultipartFieldInPrefix(std::string_view(form).substr(0, n), "XyZ", "model");
  EXPECT_TRUE(field.ok()) << field.status();
  return field.ok() ? *field : PrefixField{};
}

TEST(MultipartPrefixTest, FindsTheModelOnlyWhenItsPartIsWholeInThePrefix) {
  std::string file(1000, 'a');
  std::string after = Form("XyZ", file, "[a]whisper-1");  // the SDKs' order: file, then model
  size_t model_at = after.find("[a]whisper-1");
  // Every cut before the model part's closing delimiter: it may still come.
  for (size_t n : {size_t{0}, size_t{5}, size_t{100}, model_at, model_at + 12, model_at + 14}) {
    EXPECT_EQ(InPrefix(after, n).kind, PrefixField::kNeedMore) << n;
  }
  for (size_t n : {model_at + 12 + 8, after.size() - 1, after.size()}) {
    PrefixField field = InPrefix(after, n);
    ASSERT_EQ(field.kind, PrefixField::kFound) << n;
    EXPECT_EQ(after.substr(field.begin, field.end - field.begin), "[a]whisper-1");
  }
  // Model first (as a hand-written form may send it): found long before the file's end.
  std::string before = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm1\r\n" +
                       Form("XyZ", file, "").substr(0, 200);
  PrefixField field = InPrefix(before, before.size());
  ASSERT_EQ(field.kind, PrefixField::kFound);
  EXPECT_EQ(before.substr(field.begin, field.end - field.begin), "m1");
}

TEST(MultipartPrefixTest, AbsentOnlyAfterTheClosingDelimiter) {
  std::string form =
      "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nx\r\n--XyZ--";
  EXPECT_EQ(InPrefix(form, form.size()).kind, PrefixField::kAbsent);
  EXPECT_EQ(InPrefix(form, form.size() - 1).kind, PrefixField::kNeedMore);
}

std::string TwoModels() {
  std::string field = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n";
  return field + "a\r\n" + field + "b\r\n--XyZ\r\n";  // still streaming: no closing
}

TEST(MultipartPrefixTest, RefusesMalformedPrefixesAndTwoModels) {
  for (std::string bad : {std::string("--XyZjunk"), TwoModels()}) {
    auto field = FindMultipartFieldInPrefix(bad, "XyZ", "model");
    EXPECT_EQ(field.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(MultipartPrefixTest, SplicesTheRewrittenModelIntoThePrefix) {
  std::string form = Form("XyZ", "bytes", "[a]whisper-1");
  PrefixField field = InPrefix(form, form.size());
  ASSERT_EQ(field.kind, PrefixField::kFound);
  std::string spliced = SpliceRange(form, field.begin, field.end, "whisper-1");
  EXPECT_EQ(spliced, Form("XyZ", "bytes", "whisper-1"));
  EXPECT_EQ(spliced.size(), form.size() - 3);
  EXPECT_EQ(ValueOf(spliced, "model"), "whisper-1");
}

}  // namespace
}  // namespace llmsrouter::router
