// RouterService.CallStream: a call whose body arrives as a stream of chunks (a multipart
// upload, issue 19), answered like Call.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_REACTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/call_auth.h"
#include "services/router/router_deps.h"
#include "services/router/upload_call.h"

namespace llmsrouter::router {

// Lifetime: deletes itself in OnDone, which gRPC calls only after Finish() and once every
// reaction returned. Finish runs when the call is over (the pipe's CloseCall), but never while
// a StartRead is in progress on another thread (the upstream transfer's, asking for the next
// chunk): it is deferred to the end of that StartRead, so no StartRead ever follows Finish.
// No lock is held across StartRead, StartWrite or Finish (gRPC may run a reaction inside).
class UploadReactor : public grpc::ServerBidiReactor<v1::CallStreamRequest, v1::CallResponse>,
                      public UploadCall<v1::CallResponse> {
 public:
  UploadReactor() = default;

  // The caller's grant (from RouterService::Authorize, on any thread) and what the call
  // needs: reads the head, or fails the call.
  void Authorized(const RouterDeps& deps, absl::StatusOr<CallerGrant> grant);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override { WriteDone(ok); }
  void OnCancel() override { CancelByReader(); }
  void OnDone() override { delete this; }

 protected:
  void Translate(v1::CallResponse message, std::vector<v1::CallResponse>* out) override {
    out->push_back(std::move(message));
  }
  void WriteMessage(v1::CallResponse* message) override { StartWrite(message); }
  void CloseCall(const absl::Status& status) override;
  void RequestChunk() override;

 private:
  void OnHead();

  RouterDeps deps_;                   // set with the grant, before the first read
  std::optional<CallerGrant> grant_;  // set before the first read
  bool head_read_ = false;            // producer's state (reads are sequential)
  v1::CallStreamRequest in_;

  absl::Mutex mu_;
  int reads_starting_ ABSL_GUARDED_BY(mu_) = 0;  // StartRead calls in progress
  bool closing_ ABSL_GUARDED_BY(mu_) = false;    // CloseCall ran: no more reads
  std::optional<grpc::Status> deferred_finish_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_REACTOR_H_
