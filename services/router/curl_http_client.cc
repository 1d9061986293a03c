#include "services/router/curl_http_client.h"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "common/strings.h"

namespace llmsrouter::router {

struct CurlTransferState {
  uint64_t id = 0;
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  curl_slist* resolve_list = nullptr;
  // Set when the handler asked to end the transfer from OnData.
  absl::Status abort_status;
  HttpRequest request;
  HttpResponseHandler* handler = nullptr;
  HeaderList response_headers;
  bool headers_delivered = false;
  bool got_body = false;
  bool paused = false;
  bool uploading = false;      // a body source still has bytes to give
  bool upload_paused = false;  // ... and has none ready (CURL_READFUNC_PAUSE)
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point last_activity;
  char error[CURL_ERROR_SIZE] = {0};
  std::shared_ptr<std::atomic<bool>> cancelled;

  CurlTransferState() = default;
  CurlTransferState(const CurlTransferState&) = delete;
  CurlTransferState& operator=(const CurlTransferState&) = delete;
  ~CurlTransferState() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (header_list != nullptr) curl_slist_free_all(header_list);
    if (resolve_list != nullptr) curl_slist_free_all(resolve_list);
  }

  void DeliverHeaders() {
    if (headers_delivered) return;
    headers_delivered = true;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    handler->OnHeaders(static_cast<int>(status), std::move(response_headers));
  }
};

// One socket curl asked us to watch. Kept alive by the waits in flight, so that a wait
// completing after curl dropped the socket finds `fd` = -1 instead of freed memory.
struct CurlSocket {
  CurlSocket(boost::asio::io_context& context, curl_socket_t fd) : fd(fd), descriptor(context) {}
  curl_socket_t fd;
  boost::asio::posix::stream_descriptor descriptor;
  int wanted = 0;  // CURL_POLL_IN / OUT / INOUT
  bool reading = false;
  bool writing = false;
};

namespace {

size_t OnHeaderLine(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<CurlTransferState*>(user);
  std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    state->response_headers.clear();  // a new response (after 100-continue or a redirect)
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = Lower(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    state->response_headers.emplace_back(std::move(name), std::string(value));
  }
  return line.size();
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<CurlTransferState*>(user);
  state->DeliverHeaders();
  state->got_body = true;
  state->last_activity = std::chrono::steady_clock::now();
  if (!state->handler->OnData(std::string_view(data, size * count))) {
    if (absl::Status abort = state->handler->AbortStatus(); !abort.ok()) {
      state->abort_status = std::move(abort);
      return 0;  // CURLE_WRITE_ERROR: curl closes the connection
    }
    state->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  return size * count;
}

// Pulls a streamed upload's next bytes from its source.
size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<CurlTransferState*>(user);
  RequestBodySource::Read read = state->request.body_source->ReadInto(buffer, size * count);
  switch (read.kind) {
    case RequestBodySource::Read::kData:
      state->last_activity = std::chrono::steady_clock::now();
      return read.bytes;
    case RequestBodySource::Read::kWait:
      state->upload_paused = true;
      return CURL_READFUNC_PAUSE;
    case RequestBodySource::Read::kEnd:
      state->uploading = false;
      // The first-byte clock starts once the request is sent.
      state->started = state->last_activity = std::chrono::steady_clock::now();
      return 0;
    case RequestBodySource::Read::kAbort:
      state->abort_status = state->request.body_source->AbortStatus();
      return CURL_READFUNC_ABORT;
  }
  return CURL_READFUNC_ABORT;
}

// A streamed body: pulled through OnUpload, with its length or chunked.
void SetUpUpload(CurlTransferState* state) {
  CURL* easy = state->easy;
  const HttpRequest& req = state->request;
  state->uploading = true;
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, OnUpload);
  curl_easy_setopt(easy, CURLOPT_READDATA, state);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body_size));
  if (req.body_size < 0) {
    state->header_list = curl_slist_append(state->header_list, "Transfer-Encoding: chunked");
  }
}

// The message is curl's fixed text for the code, which names no host or port (clients see
// it); curl's detailed text, which does, travels as the kHttpErrorDetail payload for logs.
absl::Status StatusFromCurl(CURLcode code, const char* detail) {
  std::string message = StrCat("upstream: ", curl_easy_strerror(code));
  absl::Status status;
  switch (code) {
    case CURLE_OK:
      return absl::OkStatus();
    case CURLE_OPERATION_TIMEDOUT:
      status = absl::DeadlineExceededError(message);
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      status = absl::InvalidArgumentError(message);
      break;
    default:
      status = absl::UnavailableError(message);
      break;
  }
  if (detail != nullptr && *detail != '\0') status.SetPayload(kHttpErrorDetail, absl::Cord(detail));
  if (code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
      code == CURLE_COULDNT_RESOLVE_PROXY) {
    status.SetPayload(kNotSent, absl::Cord("1"));
  }
  return status;
}

void SetUpEasy(CurlTransferState* state) {
  CURL* easy = curl_easy_init();
  state->easy = easy;
  const HttpRequest& req = state->request;
  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.body_source) {
    SetUpUpload(state);
  } else if (req.method != "GET") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  for (const auto& [name, value] : req.headers) {
    state->header_list = curl_slist_append(state->header_list, StrCat(name, ": ", value).c_str());
  }
  // No "Expect: 100-continue" round trip for large bodies.
  state->header_list = curl_slist_append(state->header_list, "Expect:");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, state->header_list);
  if (!req.resolve.empty()) {
    state->resolve_list = curl_slist_append(nullptr, req.resolve.c_str());
    curl_easy_setopt(easy, CURLOPT_RESOLVE, state->resolve_list);
  }
  // An upstream's redirect is answered to the client as it is, never followed (it could point
  // anywhere), and nothing but HTTP(S) is spoken.
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(req.connect_timeout)));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(req.total_timeout)));
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeaderLine);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, state);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, state);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, state->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<void*>(state->id));
  state->started = state->last_activity = std::chrono::steady_clock::now();
}

// Runs `fn(client)` on the client's loop, unless the client is gone by then.
void OnLoop(IoLoop* loop, std::weak_ptr<CurlHttpClient*> client,
            std::function<void(CurlHttpClient*)> fn) {
  loop->Post([client = std::move(client), fn = std::move(fn)] {
    if (auto c = client.lock(); c && *c) fn(*c);
  });
}

}  // namespace

class CurlTransfer : public HttpTransfer {
 public:
  CurlTransfer(IoLoop* loop, std::weak_ptr<CurlHttpClient*> client, uint64_t id,
               std::shared_ptr<std::atomic<bool>> cancelled)
      : loop_(loop), client_(std::move(client)), id_(id), cancelled_(std::move(cancelled)) {}
  // The flag covers a cancel posted from another thread that overtakes the loop's own post
  // of the start (posts from inside a handler wait in the loop thread's private queue).
  void Cancel() override {
    cancelled_->store(true);
    OnLoop(loop_, client_, [id = id_](CurlHttpClient* c) { c->Cancel(id); });
  }
  void Resume() override {
    OnLoop(loop_, client_, [id = id_](CurlHttpClient* c) { c->Resume(id); });
  }

 private:
  IoLoop* loop_;
  std::weak_ptr<CurlHttpClient*> client_;
  uint64_t id_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

CurlHttpClient::CurlHttpClient(IoLoop& loop, Options options)
    : loop_(loop),
      multi_((curl_global_init(CURL_GLOBAL_DEFAULT), curl_multi_init())),
      timer_(loop.context()),
      expiry_(loop.context()),
      self_(std::make_shared<CurlHttpClient*>(this)) {
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlHttpClient::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlHttpClient::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  if (options.max_host_connections > 0) {
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
  }
}

CurlHttpClient::~CurlHttpClient() {
  *self_ = nullptr;
  for (auto& [fd, socket] : sockets_) {
    socket->descriptor.release();  // curl owns (and closes) its sockets
    socket->fd = -1;
  }
  for (auto& [id, state] : active_) curl_multi_remove_handle(multi_, state->easy);
  active_.clear();
  curl_multi_cleanup(multi_);
}

std::unique_ptr<HttpTransfer> CurlHttpClient::Start(HttpRequest request,
                                                    HttpResponseHandler* handler) {
  auto state = std::make_unique<CurlTransferState>();
  state->id = next_id_.fetch_add(1);
  state->request = std::move(request);
  state->handler = handler;
  uint64_t id = state->id;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  state->cancelled = cancelled;
  // The state itself is handed over (a CurlTransferState is never copied: the body may be
  // large).
  auto holder = std::make_shared<std::unique_ptr<CurlTransferState>>(std::move(state));
  OnLoop(&loop_, self_, [holder](CurlHttpClient* c) { c->Add(std::move(*holder)); });
  return std::make_unique<CurlTransfer>(&loop_, self_, id, std::move(cancelled));
}

void CurlHttpClient::Add(std::unique_ptr<CurlTransferState> state) {
  if (shut_down_) {
    state->handler->OnComplete(ShuttingDownError());
    return;
  }
  if (state->cancelled->load()) {  // cancelled before it could start
    state->handler->OnComplete(absl::CancelledError("upstream transfer cancelled"));
    return;
  }
  SetUpEasy(state.get());
  if (state->request.body_source) {
    state->request.body_source->SetWake(
        [loop = &loop_, weak = std::weak_ptr(self_), id = state->id] {
          OnLoop(loop, weak, [id](CurlHttpClient* c) { c->ResumeUpload(id); });
        });
  }
  CURL* easy = state->easy;
  active_.emplace(state->id, std::move(state));
  curl_multi_add_handle(multi_, easy);  // asks for a timer: the transfer starts from there
  ScheduleExpiry();
}

void CurlHttpClient::Cancel(uint64_t id) {
  FinishTransfer(id, absl::CancelledError("upstream transfer cancelled"));
}

void CurlHttpClient::Resume(uint64_t id) {
  auto it = active_.find(id);
  if (it == active_.end() || !it->second->paused) return;
  it->second->paused = false;
  it->second->last_activity = std::chrono::steady_clock::now();
  // May deliver the held bytes at once (handler callbacks run inside).
  curl_easy_pause(it->second->easy, it->second->upload_paused ? CURLPAUSE_SEND : CURLPAUSE_CONT);
  ReapCompleted();
}

void CurlHttpClient::ResumeUpload(uint64_t id) {
  auto it = active_.find(id);
  if (it == active_.end() || !it->second->upload_paused) return;
  it->second->upload_paused = false;
  // Curl calls OnUpload again (possibly at once, inside this call).
  curl_easy_pause(it->second->easy, it->second->paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
  ReapCompleted();
}

int CurlHttpClient::OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* self,
                             void* /*socket*/) {
  auto* client = static_cast<CurlHttpClient*>(self);
  auto it = client->sockets_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    // Dropped at once: curl may close the socket right after (some sockets, such as the
    // threaded resolver's, without any close callback), and the fd number can come back
    // for another socket at any time.
    if (it != client->sockets_.end()) {
      it->second->fd = -1;
      boost::system::error_code ignored;
      it->second->descriptor.cancel(ignored);
      it->second->descriptor.release();  // curl owns (and closes) its sockets
      client->sockets_.erase(it);
    }
    return 0;
  }
  if (it == client->sockets_.end()) {
    auto socket = std::make_shared<CurlSocket>(client->loop_.context(), fd);
    boost::system::error_code ec;
    socket->descriptor.assign(fd, ec);  // never throw through curl's C frames
    if (ec) return -1;
    it = client->sockets_.emplace(fd, std::move(socket)).first;
  }
  it->second->wanted = what;
  client->Watch(it->second);
  return 0;
}

void CurlHttpClient::Watch(const std::shared_ptr<CurlSocket>& socket) {
  using Wait = boost::asio::posix::stream_descriptor::wait_type;
  auto arm = [this, &socket](bool want, bool& pending, Wait wait, int event) {
    if (!want || pending) return;
    pending = true;
    socket->descriptor.async_wait(wait, [this, socket, event](boost::system::error_code ec) {
      (event == CURL_CSELECT_IN ? socket->reading : socket->writing) = false;
      if (ec || socket->fd < 0) return;
      if (!(socket->wanted & (event == CURL_CSELECT_IN ? CURL_POLL_IN : CURL_POLL_OUT))) return;
      Act(socket->fd, event);
      // Still wanted (and not dropped meanwhile): wait again.
      if (socket->fd >= 0) Watch(socket);
    });
  };
  arm(socket->wanted & CURL_POLL_IN, socket->reading, Wait::wait_read, CURL_CSELECT_IN);
  arm(socket->wanted & CURL_POLL_OUT, socket->writing, Wait::wait_write, CURL_CSELECT_OUT);
}

// Curl moves its timeout on nearly every action; re-arming an Asio timer each time costs a
// timerfd_settime syscall (perf: 14 % of a one-call-at-a-time profile). So the Asio timer is
// armed lazily: only when curl's deadline moves earlier than the one armed; a timer that
// fires early re-arms for the current deadline, and "now" is a posted task, not a timer.
int CurlHttpClient::OnTimer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto* client = static_cast<CurlHttpClient*>(self);
  if (timeout_ms < 0) {
    client->deadline_.reset();
    return 0;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  client->deadline_ = deadline;
  if (timeout_ms == 0) {
    if (!client->timeout_posted_) {
      client->timeout_posted_ = true;
      OnLoop(&client->loop_, client->self_, [](CurlHttpClient* c) {
        c->timeout_posted_ = false;
        c->OnDeadline();
      });
    }
    return 0;
  }
  if (!client->timer_armed_ || deadline < client->timer_at_) client->ArmTimer(deadline);
  return 0;
}

void CurlHttpClient::ArmTimer(std::chrono::steady_clock::time_point at) {
  timer_armed_ = true;
  timer_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait(
      [this, weak = std::weak_ptr<CurlHttpClient*>(self_)](boost::system::error_code ec) {
        if (ec == boost::asio::error::operation_aborted) return;  // re-armed or shut down
        if (auto c = weak.lock(); !c || !*c) return;
        timer_armed_ = false;
        OnDeadline();
      });
}

void CurlHttpClient::OnDeadline() {
  if (!deadline_) return;
  if (std::chrono::steady_clock::now() < *deadline_) {  // moved later meanwhile
    if (!timer_armed_) ArmTimer(*deadline_);
    return;
  }
  deadline_.reset();
  Act(CURL_SOCKET_TIMEOUT, 0);
}

void CurlHttpClient::Act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  ReapCompleted();
}

void CurlHttpClient::FinishTransfer(uint64_t id, absl::Status status) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  std::unique_ptr<CurlTransferState> state = std::move(it->second);
  active_.erase(it);
  curl_multi_remove_handle(multi_, state->easy);
  // A source that outlives the transfer (its producer still pushing) wakes nothing more.
  if (state->request.body_source) state->request.body_source->SetWake(nullptr);
  if (status.ok()) state->DeliverHeaders();
  state->handler->OnComplete(std::move(status));
}

void CurlHttpClient::ReapCompleted() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    void* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    uint64_t id = reinterpret_cast<uint64_t>(priv);
    auto it = active_.find(id);
    if (it == active_.end()) continue;
    absl::Status& abort = it->second->abort_status;
    FinishTransfer(
        id, abort.ok() ? StatusFromCurl(msg->data.result, it->second->error) : std::move(abort));
  }
}

void CurlHttpClient::ScheduleExpiry() {
  if (expiry_armed_ || active_.empty()) return;
  expiry_armed_ = true;
  expiry_.expires_after(std::chrono::milliseconds(100));
  expiry_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the client may be going away
    expiry_armed_ = false;
    ExpireStalled();
    ScheduleExpiry();
  });
}

void CurlHttpClient::ExpireStalled() {
  auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<uint64_t, std::string>> expired;
  for (const auto& [id, state] : active_) {
    if (state->paused) continue;
    const HttpRequest& req = state->request;
    if (state->uploading) {
      if (now - state->last_activity > absl::ToChronoMilliseconds(req.idle_timeout)) {
        expired.emplace_back(id, StrCat("upload stalled: no request body bytes for ",
                                        absl::FormatDuration(req.idle_timeout)));
      }
    } else if (!state->got_body) {
      if (now - state->started > absl::ToChronoMilliseconds(req.first_byte_timeout)) {
        expired.emplace_back(id, StrCat("upstream sent no response within ",
                                        absl::FormatDuration(req.first_byte_timeout)));
      }
    } else if (now - state->last_activity > absl::ToChronoMilliseconds(req.idle_timeout)) {
      expired.emplace_back(id, StrCat("upstream stalled: nothing received for ",
                                      absl::FormatDuration(req.idle_timeout)));
    }
  }
  for (auto& [id, message] : expired) FinishTransfer(id, absl::DeadlineExceededError(message));
}

void CurlHttpClient::Shutdown() {
  shut_down_ = true;
  while (!active_.empty()) {
    FinishTransfer(active_.begin()->first, ShuttingDownError());
  }
  deadline_.reset();
  timer_.cancel();
  expiry_.cancel();
  expiry_armed_ = false;
}

}  // namespace llmsrouter::router
