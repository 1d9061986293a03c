// HttpClient on libcurl's multi_socket API, driven by one event loop (an Asio io_context):
// curl's sockets and timer are Asio waits on that loop, so a call's upstream transfer runs on
// the same thread as its client connection — no curl thread, no hand-off, O(1) per event.
// One client per I/O thread; connection reuse is per client (per thread).
#ifndef LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_

#include <curl/curl.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "common/loop_pool.h"
#include "services/router/http_client.h"

namespace llmsrouter::router {

struct CurlTransferState;
struct CurlSocket;

class CurlHttpClient : public HttpClient {
 public:
  struct Options {
    // Cap on connections to one host, per client (0 = unlimited).
    long max_host_connections = 0;
  };
  // `loop` must outlive the client; every curl call and every handler callback runs on it.
  CurlHttpClient(IoLoop& loop, Options options);
  explicit CurlHttpClient(IoLoop& loop) : CurlHttpClient(loop, Options{}) {}
  // Shutdown() must have run (on the loop) or the loop must have stopped.
  ~CurlHttpClient() override;

  // Thread-safe: the transfer is added on the loop (posted, so never inside a curl callback).
  // Handler callbacks come on the loop's thread; Cancel() and Resume() are posted there too,
  // so OnComplete never runs inside Cancel().
  std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpResponseHandler* handler) override;

  // On the loop's thread: ends every transfer (handlers get OnComplete(UNAVAILABLE): the
  // client of a call cut by the shutdown gets a 503, not a "cancelled") and refuses new ones.
  void Shutdown();
  // Transfers in progress (loop thread only).
  size_t active() const { return active_.size(); }

 private:
  friend class CurlTransfer;
  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  void ArmTimer(std::chrono::steady_clock::time_point at);
  // Curl's timeout is due (or was moved later: then the timer is re-armed).
  void OnDeadline();

  void Add(std::unique_ptr<CurlTransferState> state);
  void Cancel(uint64_t id);
  void Resume(uint64_t id);
  // A streamed upload's source has more for a transfer whose upload was paused.
  void ResumeUpload(uint64_t id);
  void Watch(const std::shared_ptr<CurlSocket>& socket);
  void Act(curl_socket_t fd, int events);
  void FinishTransfer(uint64_t id, absl::Status status);
  void ReapCompleted();
  void ScheduleExpiry();
  // Ends transfers past their first-byte or idle timeout.
  void ExpireStalled();

  IoLoop& loop_;
  CURLM* multi_;
  std::atomic<uint64_t> next_id_{1};
  bool shut_down_ = false;
  std::map<uint64_t, std::unique_ptr<CurlTransferState>> active_;
  std::map<curl_socket_t, std::shared_ptr<CurlSocket>> sockets_;
  boost::asio::steady_timer timer_;
  // Curl's current deadline, and what the Asio timer is armed for (see OnTimer).
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool timer_armed_ = false;
  std::chrono::steady_clock::time_point timer_at_;
  bool timeout_posted_ = false;
  boost::asio::steady_timer expiry_;
  bool expiry_armed_ = false;
  // Shared with the transfer handles, which may outlive the client: cleared at destruction.
  std::shared_ptr<CurlHttpClient*> self_;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CURL_HTTP_CLIENT_H_
