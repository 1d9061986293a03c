#include "services/router/upload_intake.h"

#include <utility>

#include "common/status_map.h"
#include "services/router/upload_group.h"
#include "services/router/upload_prefix_budget.h"

namespace llmsrouter::router {

UploadIntake::UploadIntake(std::shared_ptr<const RouterConfig> config, v1::CallRequest head,
                           Options options, std::function<void()> on_space, HostResolver* resolver)
    : config_(std::move(config)),
      request_(std::move(head)),
      options_(options),
      on_space_(std::move(on_space)),
      resolver_(resolver) {
  if (options_.budget != nullptr) held_.emplace(options_.budget);
}

UploadIntake::~UploadIntake() {
  if (route_ && options_.groups != nullptr) FinishAttempt(*options_.groups, &*route_, {});
}

absl::StatusOr<bool> UploadIntake::Push(std::string chunk, bool last) {
  if (routed_) {
    if (pipe_ == nullptr) return absl::FailedPreconditionError("the upload's body already ended");
    bool room = pipe_->Push(std::move(chunk));
    if (last) pipe_->Finish();
    return room;
  }
  request_.mutable_body()->append(chunk);
  // Each attempt scans (and copies) the whole prefix: tried again only once it doubled (or
  // reached the bound), so a large bound costs O(bound), not O(bound^2 / chunk).
  size_t held = request_.body().size();
  bool wait = !last && held < next_route_at_ && held < options_.prefix_bound;
  absl::StatusOr<bool> room = wait ? true : Route(last);
  if (!room.ok() || routed_) {
    ReleaseHeld();
    return room;
  }
  if (!Hold()) {
    ReleaseHeld();
    return UploadPrefixBudgetError(options_.budget_bytes);
  }
  return true;
}

bool UploadIntake::Hold() {
  return !held_ || held_->Resize(request_.body().size(), options_.budget_bytes);
}

void UploadIntake::ReleaseHeld() {
  if (held_) held_->Resize(0, 0);
  if (!routed_) {
    request_.clear_body();
    request_.mutable_body()->shrink_to_fit();
  }
}

absl::StatusOr<bool> UploadIntake::Route(bool last) {
  UploadPrefix prefix{
      .bound = options_.prefix_bound, .complete = last, .body_size = options_.body_size};
  auto call = PrepareUploadCall(config_, request_, prefix, resolver_);
  if (!call.ok() && options_.groups != nullptr && ErrorCode(call.status()) == "model_not_found") {
    call = PrepareForGroup(prefix, call.status());
  }
  if (!call.ok()) return call.status();
  if (!*call) {  // not enough to route yet
    next_route_at_ = 2 * request_.body().size();
    return true;
  }
  routed_ = true;
  call_ = **std::move(call);
  request_.clear_body();
  config_.reset();
  if (last) return true;  // the whole body is in call_->http.body
  pipe_ = std::make_shared<UploadPipe>(options_.window, std::move(on_space_));
  bool room = pipe_->Push(std::move(call_->http.body));  // the rewritten prefix goes first
  call_->http.body.clear();
  call_->http.body_source = pipe_;
  call_->upload_pipe = pipe_;
  return room;
}

absl::StatusOr<std::optional<PreparedCall>> UploadIntake::PrepareForGroup(
    const UploadPrefix& prefix, absl::Status not_found) {
  auto route = RouteUploadToGroup(*options_.groups, *config_, request_);
  if (!route.ok()) return route.status();
  if (!*route) return not_found;
  // The deployment ("[alias]model") stands in for the group's name, as for a JSON call.
  request_.set_model_override(*(*route)->open);
  auto call = PrepareUploadCall(config_, request_, prefix, resolver_);
  request_.clear_model_override();
  if (!call.ok() || !*call) {  // the model was found: more bytes cannot be what it needs
    FinishAttempt(*options_.groups, &**route, {});
    return call.ok() ? not_found : call.status();
  }
  route_ = **std::move(route);
  return call;
}

std::optional<GroupRoute> UploadIntake::TakeRoute() {
  std::optional<GroupRoute> route = std::move(route_);
  route_.reset();
  return route;
}

std::optional<PreparedCall> UploadIntake::TakeCall() {
  std::optional<PreparedCall> call = std::move(call_);
  call_.reset();
  return call;
}

void UploadIntake::Abort(absl::Status why) {
  ReleaseHeld();
  if (pipe_ != nullptr) pipe_->Abort(std::move(why));
}

}  // namespace llmsrouter::router
