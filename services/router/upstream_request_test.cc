#include "services/router/upstream_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/status_map.h"

namespace llmsrouter::router {
namespace {

std::shared_ptr<const RouterConfig> Config() {
  auto config = std::make_shared<RouterConfig>();
  config->providers["ark"] = ProviderConfig{.alias = "ark",
                                            .url = "https://ark.example.com/api/v3",
                                            .api_key = "sk-ark",
                                            .headers = {{"X-Team", "ml"}},
                                            .stream_usage = false};
  config->providers["oa"] = ProviderConfig{.alias = "oa", .url = "http://oa/v1"};
  return config;
}

v1::CallRequest Call(std::string body, std::string endpoint = "chat/completions") {
  v1::CallRequest request;
  request.set_endpoint(std::move(endpoint));
  request.set_body(std::move(body));
  request.set_request_id("req_1");
  return request;
}

std::string Header(const HttpRequest& http, const std::string& name) {
  for (const auto& [k, v] : http.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST(PrepareCallTest, RewritesOnlyTheModelAndKeepsFieldOrder) {
  auto call = PrepareCall(
      Config(), Call(R"({"z":1,"model":"[ark]doubao","stream":true,"x":{"k":[1,2.5,null]}})"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->http.body, R"({"z":1,"model":"doubao","stream":true,"x":{"k":[1,2.5,null]}})");
  EXPECT_TRUE(call->stream);
  EXPECT_EQ(call->http.url, "https://ark.example.com/api/v3/chat/completions");
  EXPECT_EQ(Header(call->http, "Authorization"), "Bearer sk-ark");
  EXPECT_EQ(Header(call->http, "X-Team"), "ml");
  EXPECT_EQ(Header(call->http, "X-Request-Id"), "req_1");
  EXPECT_EQ(Header(call->http, "Accept"), "text/event-stream");
}

TEST(PrepareCallTest, AsksForUsageOnStreamsWhenConfigured) {
  auto call = PrepareCall(Config(), Call(R"({"model":"[oa]m","stream":true})"));
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->http.body,
            R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_TRUE(call->hide_usage_chunk);
  // The client asked itself: nothing to hide.
  call = PrepareCall(
      Config(), Call(R"({"model":"[oa]m","stream":true,"stream_options":{"include_usage":true}})"));
  EXPECT_FALSE(call->hide_usage_chunk);
  // Not a stream: untouched.
  call = PrepareCall(Config(), Call(R"({"model":"[oa]m"})"));
  EXPECT_EQ(call->http.body, R"({"model":"m"})");
}

TEST(PrepareCallTest, ModelOverrideIgnoresProxy) {
  v1::CallRequest request = Call(R"({"model":"x"})");
  request.set_proxy("ark");
  std::string fallback = "[oa]backup";
  auto call = PrepareCall(Config(), request, &fallback);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "oa");
  EXPECT_EQ(call->http.body, R"({"model":"backup"})");
}

TEST(PrepareCallTest, RestrictedProvidersAndBypassOverride) {
  v1::CallRequest request = Call(R"({"model":"[oa]m"})");
  request.set_restrict_providers(true);
  EXPECT_EQ(PrepareCall(Config(), request).status().code(), absl::StatusCode::kPermissionDenied);
  request.add_allowed_providers("oa");
  EXPECT_TRUE(PrepareCall(Config(), request).ok());
  request.set_model_override("[ark]forced");
  EXPECT_EQ(PrepareCall(Config(), request).status().code(), absl::StatusCode::kPermissionDenied);
  request.add_allowed_providers("ark");
  auto call = PrepareCall(Config(), request);
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->http.body, R"({"model":"forced"})");
}

TEST(PrepareCallTest, RefusingAnAdhocUrlDoesNotQuoteIt) {
  auto config = std::make_shared<RouterConfig>();
  config->proxy_allow_urls = {"http://127.0.0.2:9/v1"};
  v1::CallRequest request = Call(R"({"model":"m"})");
  request.set_proxy("http://127.0.0.2:9/v1");
  request.set_restrict_providers(true);
  request.add_allowed_providers("oa");
  auto call = PrepareCall(config, request);
  EXPECT_EQ(call.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(call.status().message()).find("127.0.0.2"), std::string::npos)
      << call.status();
}

TEST(PrepareCallTest, RejectsBadBodiesWithInvalidArgument) {
  for (const char* body : {"", "[]", "{", R"({"messages":[]})", R"({"model":1})",
                           R"({"model":"[ark]m","stream":"yes"})"}) {
    EXPECT_EQ(PrepareCall(Config(), Call(body)).status().code(), absl::StatusCode::kInvalidArgument)
        << body;
  }
}

TEST(PrepareCallTest, RejectsEndpointsThatEscapeTheBase) {
  for (const char* endpoint : {"../admin", "/abs", "a b", "", "x?y=1"}) {
    EXPECT_EQ(PrepareCall(Config(), Call(R"({"model":"[ark]m"})", endpoint)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << endpoint;
  }
}

TEST(PrepareCallTest, UnknownAliasIsNotFound) {
  EXPECT_EQ(PrepareCall(Config(), Call(R"({"model":"[x]m"})")).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

TEST(TopLevelValueRangeTest, FindsTheTopLevelValueOnly) {
  std::string json = R"( { "a" : {"model":"inner"}, "model" :  "outer" , "b":[ "}" ] } )";
  auto range = TopLevelValueRange(json, "model");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(json.substr(range->first, range->second - range->first), R"("outer")");
  EXPECT_FALSE(TopLevelValueRange(R"({"a":{"model":"x"}})", "model").has_value());
  EXPECT_FALSE(TopLevelValueRange("[1]", "model").has_value());
}

TEST(TopLevelValueRangeTest, LastDuplicateWinsAndEscapedKeysAreRefused) {
  std::string json = R"({"model":"a","model":"b\"c"})";
  auto range = TopLevelValueRange(json, "model");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(json.substr(range->first, range->second - range->first), R"("b\"c")");
  bool duplicate = false;
  TopLevelValueRange(json, "model", &duplicate);
  EXPECT_TRUE(duplicate);
  EXPECT_FALSE(TopLevelValueRange(R"({"mod\u0065l":"x"})", "model").has_value());
}

TEST(PrepareCallTest, ForwardsTheClientsBytesExceptTheModel) {
  // Whitespace, number spelling and unicode escapes survive: only the model's value changes.
  std::string body =
      "{ \"model\" : \"[ark]doubao\",\n \"temperature\": 1.0e0, \"s\": \"\\u00e9\" }";
  auto call = PrepareCall(Config(), Call(body));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->http.body,
            "{ \"model\" : \"doubao\",\n \"temperature\": 1.0e0, \"s\": \"\\u00e9\" }");
}

TEST(PrepareCallTest, EscapedKeysFallBackToReserializing) {
  auto call = PrepareCall(Config(), Call(R"({"mod\u0065l":"[ark]doubao","x":1})"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->http.body, R"({"model":"doubao","x":1})");
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

v1::CallRequest Resource(std::string method, std::string endpoint, std::string body = "") {
  v1::CallRequest request = Call(std::move(body), std::move(endpoint));
  request.set_method(std::move(method));
  return request;
}

TEST(PrepareCallResourceTest, AnIdRoutesACallWithoutAModelAndIsDecoded) {
  auto request = Resource("GET", "files/file-llmsr.YXJr.abc/content");
  request.set_query("after=file-llmsr.YXJr.x&limit=2");
  auto call = PrepareCall(Config(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "ark");
  EXPECT_EQ(call->http.method, "GET");
  EXPECT_EQ(call->http.url,
            "https://ark.example.com/api/v3/files/file-abc/content?after=file-x&limit=2");
  EXPECT_EQ(call->http.body, "");
  EXPECT_EQ(Header(call->http, "Content-Type"), "<none>");
  EXPECT_TRUE(call->pinned);
  EXPECT_TRUE(call->raw_answer);  // a file's content: never rewritten
  EXPECT_EQ(call->id_alias, "");
  auto meta = PrepareCall(Config(), Resource("GET", "files/file-llmsr.YXJr.abc"));
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_FALSE(meta->raw_answer);
  EXPECT_EQ(meta->id_alias, "ark");
}

TEST(PrepareCallResourceTest, ProxyRoutesACallWithoutAModel) {
  auto request = Resource("DELETE", "responses/resp_1");
  request.set_proxy("oa");
  auto call = PrepareCall(Config(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->http.url, "http://oa/v1/responses/resp_1");
  request.set_restrict_providers(true);
  request.add_allowed_providers("ark");
  EXPECT_EQ(PrepareCall(Config(), request).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(PrepareCallResourceTest, NoRoutingInformationIsAClearInvalidArgument) {
  auto call = PrepareCall(Config(), Resource("GET", "files/file-1"));
  EXPECT_EQ(call.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(call.status().message().find("X-LLMSRouter-Provider"), std::string::npos);
  EXPECT_NE(call.status().message().find("ark, oa"), std::string::npos);
}

TEST(PrepareCallResourceTest, BodyIdsAreDecodedAndPickTheProviderOfAPlainModel) {
  auto call = PrepareCall(
      Config(), Call(R"({"model":"gpt","previous_response_id":"resp_llmsr.b2E.7"})", "responses"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "oa");
  EXPECT_EQ(call->http.body, R"({"model":"gpt","previous_response_id":"resp_7"})");
  auto mixed = PrepareCall(Config(), Resource("POST", "batches",
                                              R"({"input_file_id":)"
                                              R"("file-llmsr.b2E.1","file_ids":[)"
                                              R"("file-llmsr.YXJr.2"]})"));
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
}

// A POST of a multipart form with boundary "B".
v1::CallRequest Upload(std::string endpoint, std::string form) {
  v1::CallRequest request = Resource("POST", std::move(endpoint), std::move(form));
  request.set_content_type("multipart/form-data; boundary=B");
  return request;
}

TEST(PrepareCallResourceTest, MultipartIsRoutedAndRewrittenByItsModelField) {
  std::string form =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
      "\x01\x02 name=\"model\"\r\n--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
      "[oa]whisper-1\r\n--B--\r\n";
  auto request = Upload("audio/transcriptions", form);
  auto call = PrepareCall(Config(), request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "oa");
  EXPECT_TRUE(call->upload);
  EXPECT_EQ(Header(call->http, "Content-Type"), "multipart/form-data; boundary=B");
  std::string expected = form;
  expected.replace(expected.find("[oa]whisper-1"), 13, "whisper-1");
  EXPECT_EQ(call->http.body, expected);
  request.set_body("--B\r\nno end");
  EXPECT_EQ(PrepareCall(Config(), request).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llmsrouter::router

namespace llmsrouter::router {
namespace {

// Ids of provider "oa" (b2E) never reach "ark": whether the call names ark by its model, by
// ?proxy= or by a bypass override; and a call with ids gets no fallbacks.
TEST(PrepareCallResourceTest, IdsOfOneProviderNeverReachAnother) {
  const std::string ids = R"("previous_response_id":"resp_llmsr.b2E.7"})";
  auto by_model = PrepareCall(Config(), Call(R"({"model":"[ark]m",)" + ids, "responses"));
  EXPECT_EQ(by_model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorCode(by_model.status()), "mixed_providers") << by_model.status();
  auto proxied = Call(R"({"model":"m",)" + ids, "responses");
  proxied.set_proxy("ark");
  EXPECT_EQ(PrepareCall(Config(), proxied).status().code(), absl::StatusCode::kInvalidArgument);
  auto no_model = Resource("GET", "files/file-llmsr.b2E.1");
  no_model.set_proxy("ark");
  EXPECT_EQ(PrepareCall(Config(), no_model).status().code(), absl::StatusCode::kInvalidArgument);
  auto bypass = Call(R"({"model":"m",)" + ids, "responses");
  bypass.set_model_override("[ark]m");
  EXPECT_EQ(PrepareCall(Config(), bypass).status().code(), absl::StatusCode::kInvalidArgument);
  auto same = PrepareCall(Config(), Call(R"({"model":"[oa]m",)" + ids, "responses"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->pinned);
  auto plain = PrepareCall(Config(), Call(R"({"model":"[oa]m"})", "responses"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->pinned);
}

// An uploaded file's bytes are never rewritten, even when they hold text that looks like the
// gateway's ids (of any provider); ids in the form's fields are decoded and route the call.
TEST(PrepareCallResourceTest, UploadedFilesAreNeverRewritten) {
  std::string form =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n"
      "{\"id\":\"file-llmsr.YXJr.abc\"}\r\n--B\r\n"
      "Content-Disposition: form-data; name=\"file_id\"\r\n\r\nfile-llmsr.b2E.1\r\n--B--\r\n";
  auto call = PrepareCall(Config(), Upload("files", form));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "oa");
  std::string expected = form;
  expected.replace(expected.find("file-llmsr.b2E.1"), 16, "file-1");
  EXPECT_EQ(call->http.body, expected);
}

// Only ids under id keys are decoded: a prompt quoting an id is not rewritten, does not
// route the call and does not pin it.
TEST(PrepareCallResourceTest, TextThatQuotesAnIdIsLeftAlone) {
  const std::string body =
      R"({"model":"[oa]m","messages":[{"role":"user","content":"file-llmsr.YXJr.abc"}]})";
  auto call = PrepareCall(Config(), Call(body));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "oa");
  EXPECT_EQ(call->http.body, R"({"model":"m","messages":[{"role":"user","content":)"
                             R"("file-llmsr.YXJr.abc"}]})");
  EXPECT_FALSE(call->pinned);
}

// A content type from a direct gRPC client cannot inject headers upstream.
TEST(PrepareCallResourceTest, ContentTypeWithControlCharactersIsRefused) {
  auto request =
      Upload("files", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n");
  request.set_proxy("oa");
  ASSERT_TRUE(PrepareCall(Config(), request).ok());
  request.set_content_type("multipart/form-data; boundary=B\r\nX-Injected: 1");
  EXPECT_EQ(PrepareCall(Config(), request).status().code(), absl::StatusCode::kInvalidArgument);
}

// A duplicate model is refused: only one could be rewritten, and a provider reading the
// other would get "[alias]model".
TEST(PrepareCallResourceTest, DuplicateModelsAreRefused) {
  EXPECT_EQ(PrepareCall(Config(), Call(R"({"model":"[oa]x","model":"[oa]y"})")).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string field =
      "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n[oa]m\r\n";
  auto upload = Upload("audio/transcriptions", field + field + "--B--\r\n");
  EXPECT_EQ(PrepareCall(Config(), upload).status().code(), absl::StatusCode::kInvalidArgument);
}

// A streamed upload (issue 19): the form's first `n` bytes, of a body of `size` bytes.
absl::StatusOr<std::optional<PreparedCall>> UploadHead(v1::CallRequest request, size_t n,
                                                       size_t bound, bool chunked = false) {
  UploadPrefix prefix{.bound = bound,
                      .complete = n >= request.body().size(),
                      .body_size = chunked ? -1 : static_cast<int64_t>(request.body().size())};
  request.set_body(request.body().substr(0, n));
  return PrepareUploadCall(Config(), request, prefix);
}

const std::string kFilePart =
    "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n"
    "0123456789abcdefghij0123456789abcdefghij\r\n";
const std::string kModelPart =
    "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n[oa]whisper-1\r\n";

// The model before the file: routed as soon as its part is whole in the prefix; the prefix
// is sent rewritten and the upstream Content-Length moves by the rewrite's delta.
TEST(PrepareUploadCallTest, RoutesFromThePrefixAndSplicesTheModel) {
  auto request = Upload("audio/transcriptions", kModelPart + kFilePart + "--B--\r\n");
  size_t model_end = kModelPart.size() + 3;  // whole once the next delimiter arrived
  for (size_t n = 1; n < model_end; ++n) {
    auto head = UploadHead(request, n, 1 << 20);
    ASSERT_TRUE(head.ok()) << n << " " << head.status();
    EXPECT_FALSE(head->has_value()) << n;
  }
  auto head = UploadHead(request, model_end + 10, 1 << 20);
  ASSERT_TRUE(head.ok()) << head.status();
  ASSERT_TRUE(head->has_value());
  const PreparedCall& call = **head;
  EXPECT_EQ(call.target.provider->alias, "oa");
  EXPECT_TRUE(call.upload);
  EXPECT_EQ(call.http.url, "http://oa/v1/audio/transcriptions");
  std::string expected = request.body().substr(0, model_end + 10);
  expected.replace(expected.find("[oa]whisper-1"), 13, "whisper-1");
  EXPECT_EQ(call.http.body, expected);
  EXPECT_EQ(call.http.body_size, static_cast<int64_t>(request.body().size()) - 4);
  EXPECT_EQ(Header(call.http, "Content-Type"), "multipart/form-data; boundary=B");
  auto chunked = UploadHead(request, model_end + 10, 1 << 20, /*chunked=*/true);
  ASSERT_TRUE(chunked.ok() && chunked->has_value());
  EXPECT_EQ((*chunked)->http.body_size, -1);
}

// The model after the file (as the SDKs send it): within the bound it is found once its part
// arrived; beyond the bound a clear 400 names the bound, unless ?proxy= routes the call.
TEST(PrepareUploadCallTest, ModelAfterTheFileNeedsTheBoundOrAProvider) {
  auto request = Upload("audio/transcriptions", kFilePart + kModelPart + "--B--\r\n");
  size_t whole = request.body().size();
  auto found = UploadHead(request, whole - 2, 1 << 20);
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status();
  EXPECT_EQ((*found)->target.upstream_model, "whisper-1");
  auto waiting = UploadHead(request, kFilePart.size() + 10, 1 << 20);
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting->has_value());
  auto over = UploadHead(request, 64, 64);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorCode(over.status()), "model_not_in_prefix");
  EXPECT_NE(over.status().message().find("first 64 bytes"), std::string::npos) << over.status();
  request.set_proxy("ark");
  auto proxied = UploadHead(request, 64, 64);
  ASSERT_TRUE(proxied.ok() && proxied->has_value()) << proxied.status();
  EXPECT_EQ((*proxied)->target.provider->alias, "ark");
  EXPECT_TRUE((*proxied)->pinned);
  EXPECT_EQ((*proxied)->http.body, request.body().substr(0, 64));  // nothing rewritten
  EXPECT_EQ((*proxied)->http.body_size, static_cast<int64_t>(whole));
}

// The whole body within the bound: exactly PrepareCall; bad heads and prefixes are refused.
TEST(PrepareUploadCallTest, WholeBodiesAndBadPrefixes) {
  auto request = Upload("audio/transcriptions", kFilePart + kModelPart + "--B--\r\n");
  auto whole = UploadHead(request, request.body().size(), 1 << 20);
  ASSERT_TRUE(whole.ok() && whole->has_value()) << whole.status();
  EXPECT_EQ((*whole)->http.body, PrepareCall(Config(), request)->http.body);
  EXPECT_EQ((*whole)->http.body_size, static_cast<int64_t>((*whole)->http.body.size()));
  auto json = request;
  json.set_content_type("application/json");
  EXPECT_EQ(UploadHead(json, 10, 1 << 20).status().code(), absl::StatusCode::kInvalidArgument);
  auto garbage = Upload("audio/transcriptions",
                        "--B\r\nContent-Disposition: form-data; "
                        "name=\"a\"\r\n\r\nx\r\n--Bxx more");
  EXPECT_EQ(UploadHead(garbage, garbage.body().size() - 2, 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto unknown =
      Upload("audio/transcriptions",
             "--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n[zz]m\r\n" + kFilePart);
  EXPECT_EQ(UploadHead(unknown, unknown.body().size() - 5, 1 << 20).status().code(),
            absl::StatusCode::kNotFound);
}

// The gateway's ids in the prefix's whole fields are decoded and route an upload without a
// model: a form that may still carry one (images/edits) once the bound is reached, a form
// that never does (files) at once. The upstream length follows the decoding.
TEST(PrepareUploadCallTest, IdsInThePrefixAreDecodedAndRoute) {
  std::string id_part =
      "--B\r\nContent-Disposition: form-data; name=\"upload_id\"\r\n\r\nupload-llmsr.b2E.7\r\n";
  auto edit = Upload("images/edits", id_part + kFilePart + "--B--\r\n");
  auto early = UploadHead(edit, id_part.size() + 20, 1 << 20);
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_FALSE(early->has_value());
  auto head = UploadHead(edit, id_part.size() + 20, id_part.size() + 20);
  ASSERT_TRUE(head.ok() && head->has_value()) << head.status();
  EXPECT_EQ((*head)->target.provider->alias, "oa");
  EXPECT_NE((*head)->http.body.find("\r\n\r\nupload-7\r\n"), std::string::npos);
  EXPECT_EQ((*head)->http.body_size, static_cast<int64_t>(edit.body().size()) - 10);
  auto file = Upload("files", id_part + kFilePart + "--B--\r\n");
  auto at_once = UploadHead(file, id_part.size() + 20, 1 << 20);
  ASSERT_TRUE(at_once.ok() && at_once->has_value()) << at_once.status();
  EXPECT_EQ((*at_once)->target.provider->alias, "oa");
}

// A form without a model field in OpenAI's API (files, uploads parts) is never held to look
// for one: the provider header routes it at once, and without one it is refused at once.
TEST(PrepareUploadCallTest, AModelLessFormRoutesAtOnceOrIsRefusedAtOnce) {
  std::string purpose = "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n";
  auto request = Upload("files", purpose + kFilePart + "--B--\r\n");
  auto refused = UploadHead(request, purpose.size() + 20, 1 << 20);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_NE(refused.status().message().find("names no provider"), std::string::npos);
  request.set_proxy("oa");
  auto routed = UploadHead(request, purpose.size() + 20, 1 << 20);
  ASSERT_TRUE(routed.ok() && routed->has_value()) << routed.status();
  EXPECT_EQ((*routed)->target.provider->alias, "oa");
  auto part = Upload("uploads/upload-llmsr.b2E.7/parts", kFilePart + "--B--\r\n");
  auto by_path = UploadHead(part, 20, 1 << 20);
  ASSERT_TRUE(by_path.ok() && by_path->has_value()) << by_path.status();
  EXPECT_EQ((*by_path)->target.provider->alias, "oa");
}

}  // namespace
}  // namespace llmsrouter::router
