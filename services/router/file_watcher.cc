#include "services/router/file_watcher.h"

#include <sys/stat.h>

#include "common/strings.h"

namespace llmsrouter::router {

FileWatcher::FileWatcher(std::string path, absl::Duration interval, std::function<void()> on_change)
    : path_(std::move(path)),
      on_change_(std::move(on_change)),
      last_(Fingerprint()),
      poller_(interval, /*run_now=*/false, [this] { Check(); }) {}

std::string FileWatcher::Fingerprint() const {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return "missing";
  return StrCat(st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

void FileWatcher::Check() {
  std::string now = Fingerprint();
  if (now == last_) return;
  last_ = now;
  on_change_();
}

}  // namespace llmsrouter::router
