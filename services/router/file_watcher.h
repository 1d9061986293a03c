// Notices changes to a file (mtime, size or inode — a Kubernetes ConfigMap swap included).
#ifndef LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_
#define LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "common/periodic_thread.h"

namespace llmsrouter::router {

class FileWatcher {
 public:
  // Polls `path` every `interval` on its own thread and calls `on_change` there.
  FileWatcher(std::string path, absl::Duration interval, std::function<void()> on_change);

 private:
  std::string Fingerprint() const;
  void Check();

  std::string path_;
  std::function<void()> on_change_;
  std::string last_;       // touched by the poller thread only
  PeriodicThread poller_;  // last: starts after the fields it reads
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_FILE_WATCHER_H_
