// Streaming HTTP client interface used for every upstream call.
#ifndef LLMSROUTER_SERVICES_ROUTER_HTTP_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"
#include "services/router/request_body.h"

namespace llmsrouter::router {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Payload of a transport error Status with the client library's detailed text (which may
// name internal hosts and ports): for logs only, never for clients.
inline constexpr char kHttpErrorDetail[] = "llmsrouter/http-error-detail";
// Status payload: the request never left (no connection was made), so sending it again is
// safe even for a call that is not idempotent.
inline constexpr char kNotSent[] = "llmsrouter/not-sent";
// Status payload: a failure no retry or fallback can cure (the process is shutting down).
inline constexpr char kNoRetry[] = "llmsrouter/no-retry";

// UNAVAILABLE for transfers cut by a shutdown: the client gets a 503, never a retry.
inline absl::Status ShuttingDownError() {
  absl::Status status = absl::UnavailableError("LLMsRouter is shutting down");
  status.SetPayload(kNoRetry, absl::Cord("1"));
  return status;
}

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  HeaderList headers;
  std::string body;
  // Set for a streamed upload: the body is pulled from here while the transfer runs, and
  // `body` is unused. `body_size` is its length when known (Content-Length), else -1 (sent
  // chunked).
  std::shared_ptr<RequestBodySource> body_source;
  int64_t body_size = -1;
  absl::Duration connect_timeout = absl::Seconds(10);
  // Until the first body byte (or the end of an empty response); for a streamed upload,
  // counted from the end of the upload (during it, `idle_timeout` bounds each gap).
  absl::Duration first_byte_timeout = absl::Seconds(120);
  // Longest gap between body bytes; time spent paused by the consumer does not count.
  absl::Duration idle_timeout = absl::Seconds(120);
  absl::Duration total_timeout = absl::Minutes(10);
  // "host:port:addr[,addr]": connect only to these addresses for that host (the ones an
  // address check approved); empty: the system resolver decides.
  std::string resolve;
};

// Receives one response. All calls come from the client's I/O thread, in order:
// OnHeaders (at most once), OnData (any number), OnComplete (exactly once, last).
// The handler must stay alive until OnComplete has returned.
class HttpResponseHandler {
 public:
  virtual ~HttpResponseHandler() = default;
  // Header names are lower-case.
  virtual void OnHeaders(int status, HeaderList headers) = 0;
  // Returns false to refuse the bytes for now: the transfer pauses and the same bytes are
  // delivered again after HttpTransfer::Resume(). Must not block.
  virtual bool OnData(std::string_view bytes) = 0;
  // Asked right after OnData returned false: a non-OK status ends the transfer instead of
  // pausing it (its connection is closed, and OnComplete gets this status).
  virtual absl::Status AbortStatus() { return absl::OkStatus(); }
  // OK when the whole response arrived; CANCELLED after Cancel(); UNAVAILABLE (connect
  // failure, connection cut), DEADLINE_EXCEEDED (timeout) otherwise.
  virtual void OnComplete(absl::Status status) = 0;
};

// Control of one transfer. Thread-safe; calls after completion are no-ops.
class HttpTransfer {
 public:
  virtual ~HttpTransfer() = default;
  // Aborts the transfer and closes its connection; OnComplete(CANCELLED) follows — possibly
  // from inside this call, on the calling thread, so the caller must not hold a lock that
  // the handler takes. Safe from any thread, in any state, and from inside the handler's
  // own callbacks.
  virtual void Cancel() = 0;
  // Resumes delivery after OnData returned false.
  virtual void Resume() = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Starts a request. Thread-safe; never blocks on the network. The handler may be completed
  // before this returns (on the client's loop, or inside this call). Dropping the returned
  // handle does not cancel the transfer; it only gives up the means to cancel or resume it.
  virtual std::unique_ptr<HttpTransfer> Start(HttpRequest request,
                                              HttpResponseHandler* handler) = 0;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_HTTP_CLIENT_H_
