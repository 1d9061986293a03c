// A RequestBodySource fed by a producer on another thread (the gRPC CallStream reactor, or
// the all-in-one's gateway loop), flow-controlled: at most `window` bytes wait in it, and the
// producer is told when it may push again, so a slow upstream slows the client's upload
// instead of filling memory.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_PIPE_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_PIPE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/router/request_body.h"

namespace llmsrouter::router {

class UploadPipe : public RequestBodySource {
 public:
  // `on_space` (may be empty) runs, from the consumer's thread and holding no lock, when a
  // Push that returned false may be followed by more: the buffered bytes fell to half the
  // window. It must not block (post to the producer's loop). Once the transfer has ended it
  // never comes: the call's owner stops the producer on the call's completion.
  UploadPipe(size_t window, std::function<void()> on_space);

  // Producer side, any thread. Appends a chunk (ignored after Finish/Abort). Returns true when
  // fewer than `window` bytes wait: the producer may read and push the next chunk at once;
  // false: it waits for `on_space`.
  bool Push(std::string chunk);
  // The body is complete.
  void Finish();
  // The body will never be complete: the upstream transfer is aborted with `why`.
  void Abort(absl::Status why);

  // Whether any byte has been handed to the transfer (then the upload may not be retried:
  // its first bytes are gone). Any thread.
  bool started() const;
  // Not started, not aborted (the client's body did not fail) and holding its first chunk:
  // the upload may go to another attempt. Any thread.
  bool Resendable() const;
  // Before the first byte went (a retry or fallback of the upload): a copy of the first chunk
  // pushed (the routed prefix), then its replacement (the prefix rewritten for another
  // target). nullopt / false once a byte was handed to a transfer. Any thread.
  std::optional<std::string> FrontIfUnstarted() const;
  bool ReplaceFrontIfUnstarted(std::string front);
  // Bytes waiting in the pipe. Any thread.
  size_t buffered() const;

  // RequestBodySource (the HttpClient's side).
  void SetWake(std::function<void()> wake) override;
  Read ReadInto(char* out, size_t max) override;
  absl::Status AbortStatus() override;

 private:
  // Takes the wake callback when the consumer is waiting (to be called after unlocking).
  std::function<void()> TakeWakeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t window_;
  const std::function<void()> on_space_;
  mutable absl::Mutex mu_;
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t front_offset_ ABSL_GUARDED_BY(mu_) = 0;  // bytes of chunks_.front() already read
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status abort_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool consumer_waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool producer_waiting_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> wake_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_PIPE_H_
