// Moves a streamed request body (an upload) from the client's connection to the router call,
// one chunk at a time: the next chunk is read only once the router took the last one, so the
// client is slowed by TCP flow control and at most one chunk is held.
#ifndef LLMSROUTER_SERVICES_GATEWAY_UPLOAD_BODY_PUMP_H_
#define LLMSROUTER_SERVICES_GATEWAY_UPLOAD_BODY_PUMP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "services/gateway/http_types.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class UploadBodyPump : public std::enable_shared_from_this<UploadBodyPump> {
 public:
  // Runs on the session's executor: OK once the whole body was read from the client (it may
  // still be on its way to the router), or the body's error (RESOURCE_EXHAUSTED over the
  // limit, INVALID_ARGUMENT broken framing, UNAVAILABLE the client left, DEADLINE_EXCEEDED
  // it stopped sending). Not called when the
  // router stopped taking the body (the call's OnFinish says why).
  using End = std::function<void(absl::Status)>;

  // Starts pumping on the session's executor (call it there). Keeps itself alive until done.
  static void Start(std::shared_ptr<HttpSession> session, std::shared_ptr<BodyWriter> writer,
                    End on_end);

  UploadBodyPump(std::shared_ptr<HttpSession> session, std::shared_ptr<BodyWriter> writer,
                 End on_end)
      : session_(std::move(session)), writer_(std::move(writer)), on_end_(std::move(on_end)) {}

 private:
  void Read();
  void OnChunk(absl::Status status, std::string chunk, bool last);
  void OnWritten(bool ok, bool last);

  std::shared_ptr<HttpSession> session_;
  std::shared_ptr<BodyWriter> writer_;
  End on_end_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_UPLOAD_BODY_PUMP_H_
