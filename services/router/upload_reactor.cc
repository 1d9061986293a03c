#include "services/router/upload_reactor.h"

#include <string>
#include <utility>

#include "common/status_map.h"

namespace llmsrouter::router {

void UploadReactor::Authorized(const RouterDeps& deps, absl::StatusOr<CallerGrant> grant) {
  if (!grant.ok()) return FailEarly(grant.status());
  deps_ = deps;
  grant_ = *std::move(grant);
  RequestChunk();  // the head
}

void UploadReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed or went away before the body's last chunk
    if (!head_read_) {
      head_read_ = true;
      return FailEarly(absl::CancelledError("the upload ended before its head"));
    }
    return EndBody(absl::CancelledError("the upload ended before its last chunk"));
  }
  if (!head_read_) {
    head_read_ = true;
    if (!in_.has_head()) {
      FailEarly(absl::InvalidArgumentError("CallStream's first message must carry the head"));
      return;
    }
    OnHead();
  }
  // Taken out before PushChunk: the next StartRead (maybe on another thread) reuses `in_`.
  bool last = in_.last();
  std::string chunk = std::move(*in_.mutable_chunk());
  in_.Clear();
  PushChunk(std::move(chunk), last);
}

void UploadReactor::OnHead() {
  v1::CallRequest head = std::move(*in_.mutable_head());
  in_.clear_head();
  ApplyGrant(*grant_, &head);
  BeginUpload(deps_, std::move(head));
}

void UploadReactor::RequestChunk() {
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    ++reads_starting_;
  }
  StartRead(&in_);  // may run OnReadDone (and so this again) before it returns
  std::optional<grpc::Status> finish;
  {
    absl::MutexLock lock(&mu_);
    if (--reads_starting_ == 0) finish.swap(deferred_finish_);
  }
  if (finish) Finish(*finish);
}

void UploadReactor::CloseCall(const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    if (reads_starting_ > 0) {
      deferred_finish_ = ToGrpcStatus(status);
      return;
    }
  }
  Finish(ToGrpcStatus(status));
}

}  // namespace llmsrouter::router
