// Tests: one command through a PipelinedRedis, waited for, its reply as text (an integer in
// decimal, a string or status as is, anything else or a failure empty; `status` gets why).
#ifndef LLMSROUTER_COMMON_TESTING_REDIS_TEXT_H_
#define LLMSROUTER_COMMON_TESTING_REDIS_TEXT_H_

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/redis/pipelined_redis.h"

namespace llmsrouter::testing {

inline std::string RedisText(PipelinedRedis& redis, std::vector<std::string> args,
                             absl::Status* status = nullptr) {
  absl::Notification done;
  std::string out;
  redis.Command(std::move(args), absl::Now() + absl::Seconds(5),
                [&](absl::StatusOr<RedisReplyPtr> r) {
                  if (status != nullptr) *status = r.status();
                  if (r.ok() && (*r)->type == REDIS_REPLY_INTEGER) {
                    out = std::to_string((*r)->integer);
                  } else if (r.ok() && (*r)->str != nullptr) {
                    out = std::string((*r)->str, (*r)->len);
                  }
                  done.Notify();
                });
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(10)) && status != nullptr) {
    *status = absl::DeadlineExceededError("no answer in 10 s");
  }
  return out;
}

}  // namespace llmsrouter::testing

#endif  // LLMSROUTER_COMMON_TESTING_REDIS_TEXT_H_
