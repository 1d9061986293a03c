#include "services/router/file_watcher.h"

#include <sys/stat.h>

#include "common/strings.h"

namespace llmsrouter::router {

FileWatcher::FileWatcher(std::string path, absl::Duration interval, std::function<void()> on_change)
    : path_(std::move(path)), interval_(interval), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Loop(); });
}

FileWatcher::~FileWatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string FileWatcher::Fingerprint() const {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return "missing";
  return StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

void FileWatcher::Loop() {
  std::string last = Fingerprint();
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; })) {
    std::string now = Fingerprint();
    if (now == last) continue;
    last = now;
    lock.unlock();
    on_change_();
    lock.lock();
  }
}

}  // namespace llmsrouter::router
