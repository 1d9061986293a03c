// HttpClient on libcurl's multi interface: one I/O thread, connection reuse, no thread per
// request.
#ifndef LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/router/http_client.h"

namespace llmsrouter::router {

struct CurlTransferState;

class CurlHttpClient : public HttpClient {
 public:
  struct Options {
    // Cap on connections to one host (0 = unlimited).
    long max_host_connections = 0;
  };
  explicit CurlHttpClient(Options options);
  CurlHttpClient() : CurlHttpClient(Options{}) {}
  // Cancels every transfer still running (their handlers get OnComplete) and joins the thread.
  ~CurlHttpClient() override;

  std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpResponseHandler* handler) override;

 private:
  friend class CurlTransfer;
  enum class CommandKind { kStart, kCancel, kResume };
  struct Command {
    CommandKind kind;
    uint64_t id;
    std::unique_ptr<CurlTransferState> state;  // kStart only
  };

  void Post(Command command);
  void Loop();
  void RunCommands();
  void AddTransfer(std::unique_ptr<CurlTransferState> state);
  void FinishTransfer(uint64_t id, absl::Status status);
  void ReapCompleted();
  // Ends transfers past their first-byte or idle timeout (checked every 50 ms at most).
  void ExpireStalled();

  CURLM* multi_;
  std::atomic<uint64_t> next_id_{1};
  absl::Mutex mu_;
  std::deque<Command> commands_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Owned by the I/O thread only.
  std::map<uint64_t, std::unique_ptr<CurlTransferState>> active_;
  std::chrono::steady_clock::time_point last_expiry_check_;
  std::thread thread_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_
