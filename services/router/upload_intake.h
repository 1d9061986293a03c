// The router's intake of a streamed upload (issue 19), for the gRPC CallStream reactor and
// the all-in-one's in-process client alike: takes the body's chunks in order, holds the
// first bytes until the call can be routed from them (PrepareUploadCall), then passes the
// rewritten prefix and every later chunk to an UploadPipe that the upstream transfer pulls.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_INTAKE_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_INTAKE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/buffer_budget.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/group_route.h"
#include "services/router/upload_pipe.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

class UploadIntake {
 public:
  struct Options {
    size_t prefix_bound = 32 << 20;  // most bytes held to find `model` (UploadPrefix::bound)
    size_t window = 256 << 10;       // the pipe's window
    int64_t body_size = -1;          // the declared length, -1 when chunked
    // Counts the prefix held (bytes kept past a Push that did not route the call) against
    // `budget_bytes` for all uploads together; null: not counted.
    BufferBudget* budget = nullptr;
    size_t budget_bytes = 256 << 20;
    // Routes a `model` that names a model group (upload_group.h); null: groups not routed.
    GroupBalancer* groups = nullptr;
  };

  // `head`: the call, its body empty. `on_space`: as UploadPipe's (the producer may push
  // again). `config` and `resolver` are used until the call is routed.
  UploadIntake(std::shared_ptr<const RouterConfig> config, v1::CallRequest head, Options options,
               std::function<void()> on_space, HostResolver* resolver = nullptr);
  ~UploadIntake();
  UploadIntake(const UploadIntake&) = delete;
  UploadIntake& operator=(const UploadIntake&) = delete;

  // Takes the body's next chunk (`last`: the body ends with it). Returns whether the producer
  // may push the next chunk at once (false: wait for `on_space`). An error (the call cannot be
  // routed: see PrepareUploadCall; UNAVAILABLE upload_prefix_budget when the prefix cannot be
  // held within the budget) ends the upload and gives back what it held. One producer thread.
  absl::StatusOr<bool> Push(std::string chunk, bool last);
  // The routed call, once (then nullopt): its http.body_source is the pipe, unless the whole
  // body arrived within the bound (then http.body holds it, as for any call).
  std::optional<PreparedCall> TakeCall();
  // The body will never be complete (client gone, over the limit): a transfer pulling it ends
  // with `why`; the prefix held is given back. On the producer's thread, as Push.
  void Abort(absl::Status why);
  // The routed call's group route (its deployment counted in flight), once, right after
  // TakeCall; nullopt when the call is not a group's.
  std::optional<GroupRoute> TakeRoute();
  // Whether a byte went upstream (a retry would lose it). On the producer's thread.
  bool started() const { return pipe_ != nullptr && pipe_->started(); }

 private:
  absl::StatusOr<bool> Route(bool last);
  // PrepareUploadCall when `model` named no provider: to a deployment of the model group it
  // names, if any (sets route_); else `not_found`.
  absl::StatusOr<std::optional<PreparedCall>> PrepareForGroup(const UploadPrefix& prefix,
                                                              absl::Status not_found);
  // Counts the prefix still held after a Push; false when over the budget.
  bool Hold();
  // Gives back (and frees) the prefix held: the call was routed or will never be.
  void ReleaseHeld();

  std::shared_ptr<const RouterConfig> config_;
  v1::CallRequest request_;  // its body: the prefix held until routed
  const Options options_;
  std::function<void()> on_space_;
  HostResolver* resolver_;
  std::optional<PreparedCall> call_;
  bool routed_ = false;
  size_t next_route_at_ = 0;  // held bytes at which routing is tried again
  std::shared_ptr<UploadPipe> pipe_;
  std::optional<GroupRoute> route_;        // until TakeRoute; its attempt ended if never taken
  std::optional<BufferReservation> held_;  // with options_.budget; given back when destroyed
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_INTAKE_H_
