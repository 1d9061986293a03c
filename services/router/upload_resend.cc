#include "services/router/upload_resend.h"

#include <utility>

#include "services/router/upload_pipe.h"

namespace llmsrouter::router {

bool UploadUnsent(const PreparedCall& call) {
  return !call.upload || (call.upload_pipe != nullptr && call.upload_pipe->Resendable());
}

absl::StatusOr<PreparedCall> ReprepareUpload(std::shared_ptr<const RouterConfig> config,
                                             const v1::CallRequest& head,
                                             const PreparedCall& current, const std::string& model,
                                             HostResolver* resolver) {
  std::shared_ptr<UploadPipe> pipe = current.upload_pipe;
  std::optional<std::string> front = pipe ? pipe->FrontIfUnstarted() : std::nullopt;
  if (!front) {
    return absl::FailedPreconditionError("the upload's first bytes went upstream already");
  }
  v1::CallRequest request = head;
  request.set_model_override(model);
  size_t front_size = front->size();
  request.set_body(*std::move(front));
  // The prefix holds `model` (the call was routed by it) as the current target rewrote it.
  UploadPrefix prefix{
      .bound = front_size + 1, .complete = false, .body_size = current.http.body_size};
  auto call = PrepareUploadCall(std::move(config), request, prefix, resolver);
  if (!call.ok()) return call.status();
  if (!*call) return absl::FailedPreconditionError("the upload's model is not in its first chunk");
  PreparedCall next = **std::move(call);
  if (!pipe->ReplaceFrontIfUnstarted(std::move(next.http.body))) {
    return absl::FailedPreconditionError("the upload's first bytes went upstream already");
  }
  next.http.body.clear();
  next.http.body_source = pipe;
  next.upload_pipe = std::move(pipe);
  return next;
}

}  // namespace llmsrouter::router
