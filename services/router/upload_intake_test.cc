// UploadIntake: a streamed multipart upload pushed in chunks is routed from its first bytes,
// and the pipe the transfer pulls yields the form with only `model` rewritten.
#include "services/router/upload_intake.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/group_route.h"
#include "services/router/upload_prefix_budget.h"
#include "services/router/upload_resend.h"

namespace llmsrouter::router {
namespace {

std::shared_ptr<const RouterConfig> Config() {
  auto config = std::make_shared<RouterConfig>();
  config->providers["oa"] = ProviderConfig{.alias = "oa", .url = "http://127.0.0.1:9/v1"};
  return config;
}

v1::CallRequest Head(std::string proxy = "") {
  v1::CallRequest request;
  request.set_method("POST");
  request.set_endpoint("audio/transcriptions");
  request.set_content_type("multipart/form-data; boundary=B");
  request.set_proxy(std::move(proxy));
  return request;
}

std::string Part(std::string_view headers, std::string_view value) {
  return StrCat("--B\r\nContent-Disposition: form-data; ", headers, "\r\n\r\n", value, "\r\n");
}

std::string File(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>(i * 7 + i / 251);
  return Part("name=\"file\"; filename=\"a.wav\"", bytes);
}

// Takes everything the pipe holds now; false once the body ended or aborted.
bool Drain(RequestBodySource& source, std::string* out, RequestBodySource::Read::Kind* last) {
  char buffer[4096];
  for (;;) {
    RequestBodySource::Read read = source.ReadInto(buffer, sizeof(buffer));
    *last = read.kind;
    if (read.kind != RequestBodySource::Read::kData)
      return read.kind == RequestBodySource::Read::kWait;
    out->append(buffer, read.bytes);
  }
}

struct Outcome {
  absl::Status status;
  std::optional<PreparedCall> call;
  std::string upstream;  // what the pipe yielded
  RequestBodySource::Read::Kind end = RequestBodySource::Read::kWait;
  size_t routed_after = 0;  // bytes pushed when the call was routed
};

// Pushes `form` in `chunk`-byte pieces, draining the pipe as a transfer would.
Outcome Stream(const v1::CallRequest& head, const std::string& form, size_t chunk, size_t bound,
               bool declared = true) {
  Outcome out;
  UploadIntake intake(Config(), head,
                      {.prefix_bound = bound,
                       .window = 16 << 10,
                       .body_size = declared ? static_cast<int64_t>(form.size()) : -1},
                      [] {});
  for (size_t at = 0; at < form.size(); at += chunk) {
    bool last = at + chunk >= form.size();
    auto room = intake.Push(form.substr(at, chunk), last);
    if (!room.ok()) {
      out.status = room.status();
      return out;
    }
    if (!out.call && (out.call = intake.TakeCall())) {
      out.routed_after = std::min(at + chunk, form.size());
      if (out.call->http.body_source) out.call->http.body_source->SetWake([] {});
    }
    if (out.call && out.call->http.body_source) {
      Drain(*out.call->http.body_source, &out.upstream, &out.end);
    }
  }
  return out;
}

TEST(UploadIntakeTest, ModelFirstIsRoutedEarlyAndTheRestStreamsThrough) {
  std::string form = Part("name=\"model\"", "[oa]whisper-1") + File(300 << 10) +
                     Part("name=\"x\"", "y") + "--B--\r\n";
  Outcome out = Stream(Head(), form, 8 << 10, 64 << 10);
  ASSERT_TRUE(out.status.ok()) << out.status;
  ASSERT_TRUE(out.call.has_value());
  EXPECT_EQ(out.routed_after, 8u << 10);  // the model's part was whole in the first chunk
  EXPECT_EQ(out.call->target.upstream_model, "whisper-1");
  std::string expected = form;
  expected.replace(expected.find("[oa]whisper-1"), 13, "whisper-1");
  EXPECT_EQ(out.end, RequestBodySource::Read::kEnd);
  EXPECT_EQ(out.upstream.size(), expected.size());
  EXPECT_TRUE(out.upstream == expected);
  EXPECT_EQ(out.call->http.body_size, static_cast<int64_t>(expected.size()));
}

TEST(UploadIntakeTest, ModelAfterTheFileWithinTheBoundIsHeldThenFound) {
  std::string form = File(40 << 10) + Part("name=\"model\"", "[oa]whisper-1") + "--B--\r\n";
  Outcome held = Stream(Head(), form, 4 << 10, 1 << 20, /*declared=*/false);
  ASSERT_TRUE(held.status.ok()) << held.status;
  ASSERT_TRUE(held.call.has_value());
  EXPECT_EQ(held.routed_after, form.size());  // the whole body came within the bound
  EXPECT_EQ(held.call->http.body_source, nullptr);
  std::string expected = form;
  expected.replace(expected.find("[oa]whisper-1"), 13, "whisper-1");
  EXPECT_EQ(held.call->http.body, expected);
}

TEST(UploadIntakeTest, ModelBeyondTheBoundIsAClearErrorUnlessAProviderIsNamed) {
  std::string form = File(100 << 10) + Part("name=\"model\"", "[oa]whisper-1") + "--B--\r\n";
  Outcome refused = Stream(Head(), form, 8 << 10, 32 << 10);
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorCode(refused.status), "model_not_in_prefix");
  Outcome proxied = Stream(Head("oa"), form, 8 << 10, 32 << 10);
  ASSERT_TRUE(proxied.status.ok()) << proxied.status;
  EXPECT_EQ(proxied.routed_after, 32u << 10);
  EXPECT_TRUE(proxied.upstream == form);  // nothing rewritten: the model came too late
  EXPECT_EQ(proxied.end, RequestBodySource::Read::kEnd);
}

TEST(UploadIntakeTest, AbortEndsThePipeWithItsStatus) {
  std::string form = Part("name=\"model\"", "[oa]whisper-1") + File(64 << 10) + "--B--\r\n";
  UploadIntake intake(Config(), Head(), {.prefix_bound = 4096, .window = 1 << 20}, [] {});
  ASSERT_TRUE(intake.Push(form.substr(0, 8192), false).ok());
  std::optional<PreparedCall> call = intake.TakeCall();
  ASSERT_TRUE(call.has_value());
  EXPECT_FALSE(intake.TakeCall().has_value());  // once
  EXPECT_EQ(call->http.body_size, -1);
  call->http.body_source->SetWake([] {});
  std::string got;
  RequestBodySource::Read::Kind end;
  EXPECT_TRUE(Drain(*call->http.body_source, &got, &end));
  EXPECT_TRUE(intake.started());
  intake.Abort(absl::ResourceExhaustedError("request body exceeds the limit"));
  EXPECT_FALSE(Drain(*call->http.body_source, &got, &end));
  EXPECT_EQ(end, RequestBodySource::Read::kAbort);
  EXPECT_EQ(call->http.body_source->AbortStatus().code(), absl::StatusCode::kResourceExhausted);
}

// The prefix held past each Push counts against the budget of all uploads; routing, an error,
// Abort or the intake's end give it back, once.
TEST(UploadIntakeTest, HeldPrefixIsCountedAndGivenBackWhenRouted) {
  BufferBudget budget;
  std::string form =
      File(40 << 10) + Part("name=\"model\"", "[oa]whisper-1") + File(64 << 10) + "--B--\r\n";
  UploadIntake intake(
      Config(), Head(),
      {.prefix_bound = 1 << 20, .window = 1 << 20, .budget = &budget, .budget_bytes = 100 << 10},
      [] {});
  ASSERT_TRUE(intake.Push(form.substr(0, 16 << 10), false).ok());
  EXPECT_EQ(budget.used(), 16u << 10);
  ASSERT_TRUE(intake.Push(form.substr(16 << 10, 16 << 10), false).ok());
  EXPECT_EQ(budget.used(), 32u << 10);
  ASSERT_TRUE(intake.Push(form.substr(32 << 10, 32 << 10), false).ok());  // the model is in
  EXPECT_TRUE(intake.TakeCall().has_value());
  EXPECT_EQ(budget.used(), 0u);
}

TEST(UploadIntakeTest, OverTheBudgetIsRefusedAndGivesBackWhatItHeld) {
  BufferBudget budget;
  ASSERT_TRUE(budget.TryAcquire(20 << 10, 64 << 10));  // another upload's
  std::string form = File(100 << 10) + Part("name=\"model\"", "[oa]whisper-1") + "--B--\r\n";
  UploadIntake intake(
      Config(), Head(),
      {.prefix_bound = 1 << 20, .window = 1 << 20, .budget = &budget, .budget_bytes = 64 << 10},
      [] {});
  ASSERT_TRUE(intake.Push(form.substr(0, 16 << 10), false).ok());
  ASSERT_TRUE(intake.Push(form.substr(16 << 10, 16 << 10), false).ok());
  EXPECT_EQ(budget.used(), 52u << 10);
  absl::StatusOr<bool> refused = intake.Push(form.substr(32 << 10, 16 << 10), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ErrorCode(refused.status()), "upload_prefix_budget");
  EXPECT_TRUE(IsUploadPrefixBudgetError(refused.status()));
  EXPECT_EQ(budget.used(), 20u << 10);  // only the other upload's
  budget.Release(20 << 10);
  // Freed: a new upload of the same form is held again.
  UploadIntake next(
      Config(), Head(),
      {.prefix_bound = 1 << 20, .window = 1 << 20, .budget = &budget, .budget_bytes = 64 << 10},
      [] {});
  ASSERT_TRUE(next.Push(form.substr(0, 48 << 10), false).ok());
  EXPECT_EQ(budget.used(), 48u << 10);
}

TEST(UploadIntakeTest, AbortAndDestructionGiveBackTheHeldPrefixOnce) {
  BufferBudget budget;
  std::string form = File(100 << 10) + Part("name=\"model\"", "[oa]whisper-1") + "--B--\r\n";
  UploadIntake::Options options{
      .prefix_bound = 1 << 20, .window = 1 << 20, .budget = &budget, .budget_bytes = 1 << 20};
  {
    UploadIntake intake(Config(), Head(), options, [] {});
    ASSERT_TRUE(intake.Push(form.substr(0, 30 << 10), false).ok());
    EXPECT_EQ(budget.used(), 30u << 10);
    intake.Abort(absl::CancelledError("client gone"));
    EXPECT_EQ(budget.used(), 0u);
    intake.Abort(absl::CancelledError("again"));
    EXPECT_EQ(budget.used(), 0u);
  }
  EXPECT_EQ(budget.used(), 0u);  // not given back twice
  {
    UploadIntake intake(Config(), Head(), options, [] {});
    ASSERT_TRUE(intake.Push(form.substr(0, 30 << 10), false).ok());
    EXPECT_EQ(budget.used(), 30u << 10);
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(UploadIntakeTest, ZeroBudgetRoutesAFormWithItsModelFirstAndHoldsNothing) {
  BufferBudget budget;
  UploadIntake::Options options{
      .prefix_bound = 1 << 20, .window = 1 << 20, .budget = &budget, .budget_bytes = 0};
  std::string first = Part("name=\"model\"", "[oa]whisper-1") + File(64 << 10) + "--B--\r\n";
  UploadIntake routed(Config(), Head(), options, [] {});
  ASSERT_TRUE(routed.Push(first.substr(0, 16 << 10), false).ok());
  EXPECT_TRUE(routed.TakeCall().has_value());
  std::string late = File(64 << 10) + Part("name=\"model\"", "[oa]whisper-1") + "--B--\r\n";
  UploadIntake held(Config(), Head(), options, [] {});
  EXPECT_TRUE(IsUploadPrefixBudgetError(held.Push(late.substr(0, 16 << 10), false).status()));
  EXPECT_EQ(budget.used(), 0u);
}

// Model groups: a form whose model is a group's name (after the file here) goes to a permitted
// deployment of the group, its model rewritten; the deployment counts in flight until the
// route's attempt ends, and an intake that never hands its route over ends it.
class UploadGroupTest : public ::testing::Test {
 protected:
  static std::shared_ptr<const RouterConfig> GroupConfigured() {
    auto config = std::make_shared<RouterConfig>();
    config->providers["oa"] = ProviderConfig{.alias = "oa", .url = "http://127.0.0.1:9/v1"};
    config->providers["ob"] = ProviderConfig{.alias = "ob", .url = "http://127.0.0.1:9/v1"};
    GroupConfig group;
    group.name = "speech";
    group.deployments = {{"[oa]whisper-a", "oa", 1}, {"[ob]whisper-b", "ob", 1}};
    config->groups["speech"] = group;
    return config;
  }
  int InFlight() {
    int total = 0;
    for (const DeploymentHealth& d : balancer_.Snapshot(config_->groups)) total += d.in_flight;
    return total;
  }
  // Pushes `form` whole in 16 KiB chunks; the first error, or the call once routed.
  absl::StatusOr<PreparedCall> Push(UploadIntake& intake, const std::string& form) {
    for (size_t at = 0; at < form.size(); at += 16 << 10) {
      auto room = intake.Push(form.substr(at, 16 << 10), at + (16 << 10) >= form.size());
      if (!room.ok()) return room.status();
      if (auto call = intake.TakeCall()) return *std::move(call);
    }
    return absl::InternalError("never routed");
  }
  static v1::CallRequest RestrictedTo(const std::string& alias) {
    v1::CallRequest head = Head();
    head.set_restrict_providers(true);
    head.add_allowed_providers(alias);
    return head;
  }
  UploadIntake::Options Options() {
    return {.prefix_bound = 1 << 20, .window = 1 << 20, .groups = &balancer_};
  }

  std::shared_ptr<const RouterConfig> config_ = GroupConfigured();
  GroupBalancer balancer_{SystemClock::Get(), [] { return 0.5; }};
  const std::string form_ =
      File(40 << 10) + Part("name=\"model\"", "speech") + File(40 << 10) + "--B--\r\n";
};

TEST_F(UploadGroupTest, AGroupNamePicksAPermittedDeploymentAndRewritesModel) {
  UploadIntake intake(config_, RestrictedTo("ob"), Options(), [] {});
  auto call = Push(intake, form_);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->target.provider->alias, "ob");
  EXPECT_EQ(call->target.upstream_model, "whisper-b");
  std::optional<GroupRoute> route = intake.TakeRoute();
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->group, "speech");
  EXPECT_EQ(route->open, std::optional<std::string>("[ob]whisper-b"));
  EXPECT_EQ(InFlight(), 1);
  FinishAttempt(balancer_, &*route, {AttemptResult::kSuccess});
  EXPECT_EQ(InFlight(), 0);
}

TEST_F(UploadGroupTest, AGroupWithNoPermittedDeploymentIsForbidden) {
  UploadIntake intake(config_, RestrictedTo("zz"), Options(), [] {});
  auto call = Push(intake, form_);
  EXPECT_EQ(call.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorCode(call.status()), "provider_not_permitted");
  EXPECT_EQ(InFlight(), 0);
}

TEST_F(UploadGroupTest, ARouteNeverTakenEndsWithTheIntake) {
  {
    UploadIntake intake(config_, Head(), Options(), [] {});
    ASSERT_TRUE(Push(intake, form_).ok());
    EXPECT_EQ(InFlight(), 1);
  }
  EXPECT_EQ(InFlight(), 0);
}

TEST_F(UploadGroupTest, WithoutGroupRoutingAGroupNameIsNotFound) {
  UploadIntake::Options options = Options();
  options.groups = nullptr;
  UploadIntake intake(config_, Head(), options, [] {});
  auto call = Push(intake, form_);
  EXPECT_EQ(call.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorCode(call.status()), "model_not_found");
}

// Sending a streamed upload again before its first byte went: the pipe's first chunk (the
// routed prefix) is rewritten for the new target, Content-Length follows; once a byte was
// read, never.
TEST(UploadResendTest, RewritesTheUnsentPrefixForAnotherTargetUntilAByteWent) {
  auto config = std::make_shared<RouterConfig>(*Config());
  config->providers["ob"] = ProviderConfig{.alias = "ob", .url = "http://127.0.0.1:9/v1"};
  std::string form = Part("name=\"model\"", "[oa]whisper-1") + File(64 << 10) + "--B--\r\n";
  v1::CallRequest head = Head();
  head.set_body_size(form.size());
  UploadIntake intake(
      config, head,
      {.prefix_bound = 1 << 20, .window = 1 << 20, .body_size = static_cast<int64_t>(form.size())},
      [] {});
  ASSERT_TRUE(intake.Push(form.substr(0, 8 << 10), false).ok());
  std::optional<PreparedCall> first = intake.TakeCall();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(intake.Push(form.substr(8 << 10), true).ok());
  EXPECT_TRUE(UploadUnsent(*first));

  auto next = ReprepareUpload(config, head, *first, "[ob]whisper-large-v3", nullptr);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->target.provider->alias, "ob");
  EXPECT_EQ(next->http.body_source, first->http.body_source);  // the same pipe
  std::string expected = form;
  expected.replace(expected.find("[oa]whisper-1"), 13, "whisper-large-v3");
  EXPECT_EQ(next->http.body_size, static_cast<int64_t>(expected.size()));
  next->http.body_source->SetWake([] {});
  std::string got;
  RequestBodySource::Read::Kind end;
  Drain(*next->http.body_source, &got, &end);
  EXPECT_EQ(end, RequestBodySource::Read::kEnd);
  EXPECT_TRUE(got == expected);

  EXPECT_FALSE(UploadUnsent(*next));  // a byte went: never again
  auto again = ReprepareUpload(config, head, *next, "[oa]whisper-1", nullptr);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

// The client's body failed (it left, its stream was cut) before any byte went: the pipe is
// aborted and the call may not go to another attempt (it could only abort there too).
TEST(UploadResendTest, AnAbortedUploadIsNotSentAgain) {
  auto config = std::make_shared<RouterConfig>();
  config->providers["oa"] = ProviderConfig{.alias = "oa", .url = "http://127.0.0.1:9/v1"};
  std::string form = Part("name=\"model\"", "[oa]whisper-1") + File(64 << 10);
  v1::CallRequest head = Head();
  UploadIntake intake(config, head, {.prefix_bound = 1 << 20, .window = 1 << 20}, [] {});
  ASSERT_TRUE(intake.Push(form.substr(0, 8 << 10), false).ok());
  std::optional<PreparedCall> call = intake.TakeCall();
  ASSERT_TRUE(call.has_value());
  EXPECT_TRUE(UploadUnsent(*call));
  call->upload_pipe->Abort(absl::CancelledError("the client left"));
  EXPECT_FALSE(UploadUnsent(*call));
}

TEST(UploadResendTest, AFormHeldWholeIsNeverSentAgain) {
  PreparedCall call;
  call.upload = true;  // its body in http.body, no pipe
  EXPECT_FALSE(UploadUnsent(call));
  call.upload = false;
  EXPECT_TRUE(UploadUnsent(call));  // any other call
}

}  // namespace
}  // namespace llmsrouter::router
