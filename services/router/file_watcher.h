// Notices changes to a file (mtime, size or inode — a Kubernetes ConfigMap swap included).
#ifndef LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_
#define LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"

namespace llmsrouter::router {

class FileWatcher {
 public:
  // Polls `path` every `interval` on its own thread and calls `on_change` there.
  FileWatcher(std::string path, absl::Duration interval, std::function<void()> on_change);
  ~FileWatcher();

 private:
  std::string Fingerprint() const;
  void Loop();

  std::string path_;
  absl::Duration interval_;
  std::function<void()> on_change_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_
