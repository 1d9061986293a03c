// Counts the calls of a gRPC client that are still alive, so that the client can wait for
// them before it lets go of its channel. A call object (a reactor, the state of a unary call)
// holds a ClientContext, and a ClientContext holds a reference to its channel. When the last
// call is destroyed on a gRPC callback thread after its owner dropped the channel, the
// channel dies on that thread and gRPC 1.51 shuts its callback queue down from one of that
// queue's own threads: a double free (seen under ASan at client teardown).
#ifndef LLMSROUTER_COMMON_LIVE_CALLS_H_
#define LLMSROUTER_COMMON_LIVE_CALLS_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace llmsrouter {

class LiveCalls {
 public:
  // Held by a call object, declared before its ClientContext so that it is destroyed after
  // it (members are destroyed in reverse order).
  class Token {
   public:
    explicit Token(std::shared_ptr<LiveCalls> calls) : calls_(std::move(calls)) {
      absl::MutexLock lock(&calls_->mu_);
      ++calls_->alive_;
    }
    ~Token() {
      absl::MutexLock lock(&calls_->mu_);
      --calls_->alive_;
    }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;

   private:
    std::shared_ptr<LiveCalls> calls_;
  };

  // Waits until no call is alive, at most `timeout`; false if some still are.
  bool WaitNone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return alive_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
  }

 private:
  absl::Mutex mu_;
  int alive_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_LIVE_CALLS_H_
