#include "services/router/curl_http_client.h"

#include <algorithm>
#include <cctype>
#include <string>

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
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point last_activity;
  char error[CURL_ERROR_SIZE] = {0};

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
  return status;
}

}  // namespace

class CurlTransfer : public HttpTransfer {
 public:
  CurlTransfer(CurlHttpClient* client, uint64_t id) : client_(client), id_(id) {}
  void Cancel() override { client_->Post({CurlHttpClient::CommandKind::kCancel, id_, nullptr}); }
  void Resume() override { client_->Post({CurlHttpClient::CommandKind::kResume, id_, nullptr}); }

 private:
  CurlHttpClient* client_;
  uint64_t id_;
};

CurlHttpClient::CurlHttpClient(Options options) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi_ = curl_multi_init();
  if (options.max_host_connections > 0) {
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
  }
  thread_ = std::thread([this] { Loop(); });
}

CurlHttpClient::~CurlHttpClient() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  curl_multi_cleanup(multi_);
}

std::unique_ptr<HttpTransfer> CurlHttpClient::Start(HttpRequest request,
                                                    HttpResponseHandler* handler) {
  auto state = std::make_unique<CurlTransferState>();
  state->id = next_id_.fetch_add(1);
  state->request = std::move(request);
  state->handler = handler;
  uint64_t id = state->id;
  Post({CommandKind::kStart, id, std::move(state)});
  return std::make_unique<CurlTransfer>(this, id);
}

void CurlHttpClient::Post(Command command) {
  {
    absl::MutexLock lock(&mu_);
    commands_.push_back(std::move(command));
  }
  curl_multi_wakeup(multi_);
}

void CurlHttpClient::AddTransfer(std::unique_ptr<CurlTransferState> state) {
  CURL* easy = curl_easy_init();
  state->easy = easy;
  const HttpRequest& req = state->request;
  curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method != "GET") {
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
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, state.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, state.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, state->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, reinterpret_cast<void*>(state->id));
  state->started = state->last_activity = std::chrono::steady_clock::now();
  curl_multi_add_handle(multi_, easy);
  active_.emplace(state->id, std::move(state));
}

void CurlHttpClient::FinishTransfer(uint64_t id, absl::Status status) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  std::unique_ptr<CurlTransferState> state = std::move(it->second);
  active_.erase(it);
  curl_multi_remove_handle(multi_, state->easy);
  if (status.ok()) state->DeliverHeaders();
  state->handler->OnComplete(std::move(status));
}

void CurlHttpClient::RunCommands() {
  std::deque<Command> commands;
  {
    absl::MutexLock lock(&mu_);
    commands.swap(commands_);
  }
  for (Command& command : commands) {
    switch (command.kind) {
      case CommandKind::kStart:
        AddTransfer(std::move(command.state));
        break;
      case CommandKind::kCancel:
        FinishTransfer(command.id, absl::CancelledError("upstream transfer cancelled"));
        break;
      case CommandKind::kResume:
        if (auto it = active_.find(command.id); it != active_.end()) {
          it->second->paused = false;
          it->second->last_activity = std::chrono::steady_clock::now();
          curl_easy_pause(it->second->easy, CURLPAUSE_CONT);
        }
        break;
    }
  }
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

void CurlHttpClient::ExpireStalled() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_expiry_check_ < std::chrono::milliseconds(50)) return;
  last_expiry_check_ = now;
  std::vector<std::pair<uint64_t, std::string>> expired;
  for (const auto& [id, state] : active_) {
    if (state->paused) continue;
    const HttpRequest& req = state->request;
    if (!state->got_body) {
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

void CurlHttpClient::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
    }
    RunCommands();
    int running = 0;
    curl_multi_perform(multi_, &running);
    ReapCompleted();
    ExpireStalled();
    curl_multi_poll(multi_, nullptr, 0, active_.empty() ? 1000 : 100, nullptr);
  }
  RunCommands();
  while (!active_.empty()) {
    FinishTransfer(active_.begin()->first, absl::CancelledError("HTTP client shutting down"));
  }
}

}  // namespace llmsrouter::router
