#include "services/router/upload_pipe.h"

#include <algorithm>
#include <cstring>

namespace llmsrouter::router {

UploadPipe::UploadPipe(size_t window, std::function<void()> on_space)
    : window_(std::max<size_t>(window, 1)), on_space_(std::move(on_space)) {}

std::function<void()> UploadPipe::TakeWakeLocked() {
  if (!consumer_waiting_) return nullptr;
  consumer_waiting_ = false;
  return wake_;
}

bool UploadPipe::Push(std::string chunk) {
  std::function<void()> wake;
  bool room;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || !abort_.ok()) return false;
    buffered_ += chunk.size();
    if (!chunk.empty()) chunks_.push_back(std::move(chunk));
    room = buffered_ < window_;
    producer_waiting_ = !room;
    wake = TakeWakeLocked();
  }
  if (wake) wake();
  return room;
}

void UploadPipe::Finish() {
  std::function<void()> wake;
  {
    absl::MutexLock lock(&mu_);
    if (!abort_.ok()) return;
    finished_ = true;
    wake = TakeWakeLocked();
  }
  if (wake) wake();
}

void UploadPipe::Abort(absl::Status why) {
  std::function<void()> wake;
  {
    absl::MutexLock lock(&mu_);
    if (finished_ || !abort_.ok()) return;
    abort_ = why.ok() ? absl::CancelledError("upload aborted") : std::move(why);
    chunks_.clear();
    buffered_ = 0;
    wake = TakeWakeLocked();
  }
  if (wake) wake();
}

bool UploadPipe::started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

bool UploadPipe::Resendable() const {
  absl::MutexLock lock(&mu_);
  return !started_ && abort_.ok() && !chunks_.empty();
}

std::optional<std::string> UploadPipe::FrontIfUnstarted() const {
  absl::MutexLock lock(&mu_);
  if (started_ || chunks_.empty()) return std::nullopt;
  return chunks_.front();
}

bool UploadPipe::ReplaceFrontIfUnstarted(std::string front) {
  absl::MutexLock lock(&mu_);
  if (started_ || chunks_.empty()) return false;
  buffered_ = buffered_ - chunks_.front().size() + front.size();
  chunks_.front() = std::move(front);
  return true;
}

size_t UploadPipe::buffered() const {
  absl::MutexLock lock(&mu_);
  return buffered_;
}

void UploadPipe::SetWake(std::function<void()> wake) {
  absl::MutexLock lock(&mu_);
  wake_ = std::move(wake);
}

RequestBodySource::Read UploadPipe::ReadInto(char* out, size_t max) {
  Read read;
  bool space = false;
  {
    absl::MutexLock lock(&mu_);
    if (!abort_.ok()) return {Read::kAbort, 0};
    if (chunks_.empty()) {
      if (finished_) return {Read::kEnd, 0};
      consumer_waiting_ = true;
      return {Read::kWait, 0};
    }
    while (!chunks_.empty() && read.bytes < max) {
      const std::string& front = chunks_.front();
      size_t n = std::min(max - read.bytes, front.size() - front_offset_);
      std::memcpy(out + read.bytes, front.data() + front_offset_, n);
      read.bytes += n;
      front_offset_ += n;
      if (front_offset_ == front.size()) {
        chunks_.pop_front();
        front_offset_ = 0;
      }
    }
    read.kind = Read::kData;
    started_ = true;
    buffered_ -= read.bytes;
    space = producer_waiting_ && buffered_ <= window_ / 2;
    if (space) producer_waiting_ = false;
  }
  if (space && on_space_) on_space_();
  return read;
}

absl::Status UploadPipe::AbortStatus() {
  absl::MutexLock lock(&mu_);
  return abort_;
}

}  // namespace llmsrouter::router
