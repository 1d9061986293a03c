// A few threads for blocking work (e.g. a Redis call) that must stay off gRPC callback and
// Asio threads.
#ifndef LLMSROUTER_COMMON_WORKER_POOL_H_
#define LLMSROUTER_COMMON_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llmsrouter {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs what is queued, then joins.
  ~WorkerPool();
  // Thread-safe.
  void Post(std::function<void()> work);

 private:
  void Loop();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_WORKER_POOL_H_
