// One OpenAI call proxied to the router: writes the router's stream to the HTTP client,
// chunk by chunk, with backpressure, and cancels the call when the client goes away.
#ifndef LLMSROUTER_SERVICES_GATEWAY_PROXY_CALL_H_
#define LLMSROUTER_SERVICES_GATEWAY_PROXY_CALL_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/gateway/http_types.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class ProxyCall : public CallObserver, public std::enable_shared_from_this<ProxyCall> {
 public:
  // Starts the call; the session is answered when the router's stream ends.
  // `active` counts calls in flight (for the gateway's cap); this call holds one until done.
  // `overhead_header`: add X-LLMSRouter-Overhead-Ms (total minus upstream time) to
  // non-streamed answers. `anthropic_errors`: errors in Anthropic's shape (/v1/messages).
  static void Start(RouterClient& router, std::shared_ptr<HttpSession> session,
                    const router::v1::CallRequest& request, std::string request_id,
                    std::shared_ptr<std::atomic<int>> active, bool overhead_header = false,
                    bool anthropic_errors = false);

  // The same for an upload (issue 19): `head` has no body; once the header was accepted, the
  // body is read from the session chunk by chunk and written to the router's BodyWriter. A
  // body error cancels the call and is answered by the gateway: 413 over the limit, 400 for
  // broken framing, 408 when the client stopped sending (--body-idle-timeout), nothing
  // (recorded as 499) when the client left.
  static void StartUpload(RouterClient& router, std::shared_ptr<HttpSession> session,
                          const router::v1::CallRequest& head, std::string request_id,
                          std::shared_ptr<std::atomic<int>> active, bool overhead_header = false);

  ProxyCall(std::shared_ptr<HttpSession> session, std::string request_id, std::string route,
            std::shared_ptr<std::atomic<int>> active)
      : session_(std::move(session)),
        request_id_(std::move(request_id)),
        route_(std::move(route)),
        active_(std::move(active)),
        started_(absl::Now()) {}
  ~ProxyCall() override;

  void Attach(std::shared_ptr<RouterStream> stream) override;
  void OnMessage(router::v1::CallResponse message) override;
  void OnFinish(absl::Status status) override;

 private:
  static std::shared_ptr<ProxyCall> Create(std::shared_ptr<HttpSession> session,
                                           const router::v1::CallRequest& request,
                                           std::string request_id,
                                           std::shared_ptr<std::atomic<int>> active,
                                           bool overhead_header, bool anthropic_errors);
  // The upload's body was read to its end (OK) or failed; on the session's thread.
  void OnBodyEnd(absl::Status status);
  // Answers a body error (413, 408, 400) or drops a client that left.
  void AnswerBodyError(const absl::Status& error);
  void Handle(router::v1::CallResponse& message);
  void HandleFinish(const absl::Status& status);
  void BeginStream(const router::v1::ResponseHead& head);
  void Next();
  // A write to the client completed (on the session's thread).
  void AfterWrite(bool ok);
  // Cancels the router call unless it has already finished. Never under stream_mu_: the
  // router may finish the call (OnFinish) from inside Cancel(), on this thread.
  void CancelRouter();
  // The stream, or null once the call finished.
  std::shared_ptr<RouterStream> stream();
  // True on the session's I/O thread (the all-in-one runs the whole call there).
  bool OnSessionThread();
  void RecordMetrics(int status);

  std::shared_ptr<HttpSession> session_;
  std::string request_id_;
  absl::Mutex stream_mu_;
  // Cleared once the call finished. Copied out under the lock and used outside it.
  std::shared_ptr<RouterStream> stream_ ABSL_GUARDED_BY(stream_mu_);
  router::v1::ResponseHead head_;
  bool have_head_ = false;
  bool streaming_ = false;
  // Session-thread state: a write to the client is out; the finish waiting for it.
  bool writing_ = false;
  std::optional<absl::Status> finish_;
  std::string body_;     // non-streamed answer, assembled
  std::string current_;  // chunk being written
  std::string route_;
  std::shared_ptr<std::atomic<int>> active_;
  absl::Time started_;
  int64_t upstream_us_ = -1;  // upstream time from the router's summary
  bool overhead_header_ = false;
  bool anthropic_errors_ = false;
  bool responses_errors_ = false;  // /v1/responses: errors mid-stream as Responses events
  // Session-thread state of an upload: its body failed; the call was answered.
  std::optional<absl::Status> body_error_;
  bool answered_ = false;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_PROXY_CALL_H_
