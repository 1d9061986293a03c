#include "services/gateway/upload_body_pump.h"

namespace llmsrouter::gateway {

void UploadBodyPump::Start(std::shared_ptr<HttpSession> session, std::shared_ptr<BodyWriter> writer,
                           End on_end) {
  std::make_shared<UploadBodyPump>(std::move(session), std::move(writer), std::move(on_end))
      ->Read();
}

void UploadBodyPump::Read() {
  session_->ReadBody(
      [self = shared_from_this()](absl::Status status, std::string chunk, bool last) {
        self->OnChunk(std::move(status), std::move(chunk), last);
      });
}

void UploadBodyPump::OnChunk(absl::Status status, std::string chunk, bool last) {
  if (!status.ok()) {
    on_end_(std::move(status));
    return;
  }
  if (last) on_end_(absl::OkStatus());
  writer_->Write(std::move(chunk), last, [self = shared_from_this(), last](bool ok) {
    net::post(self->session_->executor(), [self, ok, last] { self->OnWritten(ok, last); });
  });
}

void UploadBodyPump::OnWritten(bool ok, bool last) {
  if (ok && !last) Read();
}

}  // namespace llmsrouter::gateway
