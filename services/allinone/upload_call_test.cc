// Streamed uploads (issue 19) end to end inside one process, through both transports the
// gateway uses: GrpcRouterClient -> RouterService.CallStream over loopback gRPC (the split
// deployment) and LocalRouterClient (the all-in-one). The router sends the body with libcurl
// to a loopback HTTP upstream that reads it as it arrives. The hostile orders: the client
// cancels mid-upload, the upstream answers before reading the body, no `model` within the
// bound, and (gRPC) the body's stream ends without its last chunk.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/buffer_budget.h"
#include "common/grpc_server.h"
#include "common/http/http_types.h"
#include "common/loop_pool.h"
#include "common/scheduler.h"
#include "common/strings.h"
#include "services/allinone/local_router_client.h"
#include "services/gateway/grpc_router_client.h"
#include "services/router/config_store.h"
#include "services/router/curl_http_client.h"
#include "services/router/provider_limiter.h"
#include "services/router/router_service.h"
#include "services/router/testing/read_body_in_pieces.h"

namespace llmsrouter::allinone {
namespace {

namespace net = web::net;
namespace beast = web::beast;
namespace http = web::http;
using router::v1::CallRequest;
using router::v1::CallResponse;

constexpr absl::Duration kWait = absl::Seconds(20);

std::string Part(std::string_view headers, std::string_view value) {
  return StrCat("--B\r\nContent-Disposition: form-data; ", headers, "\r\n\r\n", value, "\r\n");
}
std::string FilePart(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  return Part("name=\"file\"; filename=\"a.wav\"", bytes);
}
std::string ModelPart(std::string_view model) { return Part("name=\"model\"", model); }
constexpr char kEnd[] = "--B--\r\n";

// A loopback HTTP upstream serving one request: reads the body as it arrives (bounded
// buffer), then answers 200 (kAnswer), or never answers and reads until the router cuts the
// connection (kHang).
class Upstream {
 public:
  enum Mode { kAnswer, kHang };

  explicit Upstream(Mode mode) : mode_(mode) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~Upstream() {
    if (!Now().connected) {  // the call never came: end the accept with a connection of ours
      net::io_context io;
      net::ip::tcp::socket socket(io);
      beast::error_code ec;
      socket.connect(acceptor_.local_endpoint(), ec);
      socket.close(ec);
    }
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

  struct Seen {
    bool connected = false;
    bool ended = false;     // the connection is over (read to the end or cut)
    bool complete = false;  // the whole declared body arrived
    std::string body;
    std::string content_length;
  };
  // Waits until the connection is over; what arrived.
  Seen WaitEnded() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&seen_.ended), kWait);
    return seen_;
  }
  // Waits until at least `n` body bytes arrived.
  void WaitReceived(size_t n) {
    absl::MutexLock lock(&mu_);
    auto received = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return seen_.body.size() >= n || seen_.ended;
    };
    mu_.AwaitWithTimeout(absl::Condition(&received), kWait);
  }
  Seen Now() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  void Serve() {
    beast::error_code ec;
    net::ip::tcp::socket socket = acceptor_.accept(ec);
    if (ec) return;
    {
      absl::MutexLock lock(&mu_);
      seen_.connected = true;
    }
    beast::flat_buffer buffer;
    http::request_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    http::read_header(socket, buffer, parser, ec);
    {
      absl::MutexLock lock(&mu_);
      seen_.content_length = std::string(parser.get()[http::field::content_length]);
    }
    if (!ec) {
      ec = router::testing::ReadBodyInPieces(socket, buffer, parser, [this](std::string_view got) {
        absl::MutexLock lock(&mu_);
        seen_.body.append(got);
      });
    }
    bool complete = !ec && parser.is_done();
    if (complete && mode_ == kAnswer) {
      std::string answer =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
          "Connection: close\r\n\r\n{\"text\":\"hi\"}";
      net::write(socket, net::buffer(answer), ec);
    }
    if (complete && mode_ == kHang) {  // wait for the router to give up
      char byte;
      socket.read_some(net::buffer(&byte, 1), ec);
    }
    absl::MutexLock lock(&mu_);
    seen_.complete = complete;
    seen_.ended = true;
  }

  const Mode mode_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_{io_, {net::ip::make_address("127.0.0.1"), 0}};
  absl::Mutex mu_;
  Seen seen_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// A loopback upstream that takes every connection, reads `cut_at` bytes of it (head and body)
// and closes it: an upload that fails once its first bytes went. Counts the connections.
class CuttingUpstream {
 public:
  explicit CuttingUpstream(size_t cut_at) : cut_at_(cut_at) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~CuttingUpstream() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    net::io_context io;
    net::ip::tcp::socket socket(io);
    beast::error_code ec;
    socket.connect(acceptor_.local_endpoint(), ec);  // ends the accept
    socket.close(ec);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int connections() {
    absl::MutexLock lock(&mu_);
    return connections_;
  }

 private:
  void Serve() {
    for (;;) {
      beast::error_code ec;
      net::ip::tcp::socket socket = acceptor_.accept(ec);
      {
        absl::MutexLock lock(&mu_);
        if (ec || stopping_) return;
        ++connections_;
      }
      std::vector<char> buffer(16 << 10);
      for (size_t got = 0; got < cut_at_ && !ec;) {
        got += socket.read_some(net::buffer(buffer), ec);
      }
      socket.close(ec);
    }
  }

  const size_t cut_at_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_{io_, {net::ip::make_address("127.0.0.1"), 0}};
  absl::Mutex mu_;
  int connections_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// A loopback port with nothing listening on it (connections are refused).
int RefusingPort() {
  net::io_context io;
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed when the acceptor goes
}

// An upstream that answers 401 as soon as the request starts, reading none of its body.
class EarlyAnswerHttpClient : public router::HttpClient {
 public:
  std::unique_ptr<router::HttpTransfer> Start(router::HttpRequest request,
                                              router::HttpResponseHandler* handler) override {
    IoLoop::Current()->Post([handler] {
      handler->OnHeaders(401, {{"content-type", "application/json"}});
      handler->OnData(R"({"error":{"message":"no"}})");
      handler->OnComplete(absl::OkStatus());
    });
    return std::make_unique<Transfer>();
  }

 private:
  class Transfer : public router::HttpTransfer {
   public:
    void Cancel() override {}
    void Resume() override {}
  };
};

// The gateway's side of one upload: writes `form` in `chunk`-byte pieces on the test's I/O
// loop, each after the previous one's `done`, stopping after `stop_after` bytes (SIZE_MAX:
// all); records the answer.
class Upload : public gateway::CallObserver, public std::enable_shared_from_this<Upload> {
 public:
  Upload(std::string form, size_t chunk, size_t stop_after = std::numeric_limits<size_t>::max())
      : form_(std::move(form)), chunk_(chunk), stop_after_(stop_after) {}
  // Cancels the call from inside OnMessage (before asking for the next message).
  void CancelOnMessage() { cancel_on_message_ = true; }

  void Attach(std::shared_ptr<gateway::RouterStream> stream) override {
    absl::MutexLock lock(&mu_);
    stream_ = std::move(stream);
  }
  void OnMessage(CallResponse message) override {
    std::shared_ptr<gateway::RouterStream> stream;
    {
      absl::MutexLock lock(&mu_);
      messages_.push_back(std::move(message));
      stream = stream_;
    }
    if (cancel_on_message_) stream->Cancel();
    stream->Next();
  }
  void OnFinish(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }

  // On the loop: starts the call and writes the body.
  void Start(gateway::RouterClient& client, const CallRequest& head) {
    writer_ = client.StartUpload(head, shared_from_this());
    WriteNext();
  }
  // On the loop: one more chunk after the writing stopped; its `done`.
  void WriteOneMore(std::string chunk) {
    writer_->Write(std::move(chunk), false, [self = shared_from_this()](bool ok) {
      absl::MutexLock lock(&self->mu_);
      self->extra_write_ = ok;
    });
  }
  void Cancel() {
    std::shared_ptr<gateway::RouterStream> stream;
    {
      absl::MutexLock lock(&mu_);
      stream = stream_;
    }
    stream->Cancel();
  }

  absl::Status WaitFinished() {
    absl::MutexLock lock(&mu_);
    auto finished = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return status_.has_value(); };
    if (!mu_.AwaitWithTimeout(absl::Condition(&finished), kWait)) {
      return absl::DeadlineExceededError("no OnFinish");
    }
    return *status_;
  }
  // Waits until the writing stopped (the last chunk, stop_after or a refused write).
  void WaitWritingStopped() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&writing_stopped_), kWait);
  }
  std::optional<bool> WaitExtraWrite() {
    absl::MutexLock lock(&mu_);
    auto answered = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return extra_write_.has_value(); };
    mu_.AwaitWithTimeout(absl::Condition(&answered), kWait);
    return extra_write_;
  }
  std::vector<CallResponse> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  bool refused() {
    absl::MutexLock lock(&mu_);
    return refused_;
  }

 private:
  void WriteNext() {
    size_t n = std::min(chunk_, form_.size() - at_);
    bool last = at_ + n >= form_.size();
    std::string piece = form_.substr(at_, n);
    at_ += n;
    writer_->Write(std::move(piece), last, [self = shared_from_this(), last](bool ok) {
      if (ok && !last && self->at_ < self->stop_after_) return self->WriteNext();
      absl::MutexLock lock(&self->mu_);
      self->refused_ = !ok;
      self->writing_stopped_ = true;
    });
  }

  const std::string form_;
  const size_t chunk_;
  const size_t stop_after_;
  bool cancel_on_message_ = false;  // set before Start
  size_t at_ = 0;                   // on the loop
  std::shared_ptr<gateway::BodyWriter> writer_;
  absl::Mutex mu_;
  std::shared_ptr<gateway::RouterStream> stream_ ABSL_GUARDED_BY(mu_);
  std::vector<CallResponse> messages_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> status_ ABSL_GUARDED_BY(mu_);
  bool writing_stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool refused_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<bool> extra_write_ ABSL_GUARDED_BY(mu_);
};

enum class Transport { kGrpc, kLocal };

class UploadCallTest : public ::testing::TestWithParam<Transport> {
 protected:
  // `http`: the upstream client instead of libcurl (not owned).
  void SetUpRouter(const Upstream& upstream, size_t prefix_bytes = 1 << 20,
                   router::HttpClient* http = nullptr) {
    auto config = std::make_shared<router::RouterConfig>();
    config->providers["oa"] = router::ProviderConfig{
        .alias = "oa", .url = StrCat("http://127.0.0.1:", upstream.port(), "/v1")};
    store_ = std::make_unique<router::ConfigStore>(config);
    curl_ = std::make_unique<router::CurlHttpClient>(pool_.loop(0));
    if (http == nullptr) http = curl_.get();
    loops_.pool = &pool_;
    loops_.http.push_back(http);
    service_.emplace(router::RouterDeps{store_.get(), http, &SystemClock::Get(), &scheduler_,
                                        &limiter_, [] { return 0.5; }});
    service_->SetLoops(&loops_, http);
    service_->SetUploadPrefixBytes(prefix_bytes);
    if (GetParam() == Transport::kLocal) {
      client_ = std::make_unique<LocalRouterClient>(&*service_);
      return;
    }
    auto server = StartGrpcServer("127.0.0.1:0", {&*service_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ =
        grpc::CreateChannel(StrCat("127.0.0.1:", server_.port), grpc::InsecureChannelCredentials());
    client_ = std::make_unique<gateway::GrpcRouterClient>(channel_);
  }

  void TearDown() override {
    client_.reset();
    if (server_.server) server_.server->Shutdown();
    if (curl_) pool_.RunOnEach([this](IoLoop&) { curl_->Shutdown(); });
    pool_.Stop();
  }

  // Adds provider `alias` on loopback `port`, retried `retries` times (1 ms apart), with
  // "[oa]whisper-1" as its fallback.
  void AddProviderFallingBackToOa(const std::string& alias, int port, int retries) {
    auto config = std::make_shared<router::RouterConfig>(*store_->Get());
    router::ProviderConfig& provider = config->providers[alias];
    provider = {.alias = alias, .url = StrCat("http://127.0.0.1:", port, "/v1")};
    provider.retry.max_retries = retries;
    provider.retry.base_delay = absl::Milliseconds(1);
    provider.fallbacks = {"[oa]whisper-1"};
    store_->Set(config);
  }

  // All held upload prefixes together may take `bytes` of `upload_budget_`. After SetUpRouter.
  void UseBudget(size_t bytes) { service_->SetUploadPrefixBudget(&upload_budget_, bytes); }
  // Waits until the held prefixes add up to `bytes`; whether they did before the deadline.
  bool WaitHeld(size_t bytes) {
    absl::Time deadline = absl::Now() + kWait;
    while (upload_budget_.used() != bytes) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  static CallRequest Head(int64_t body_size) {
    CallRequest head;
    head.set_method("POST");
    head.set_endpoint("audio/transcriptions");
    head.set_content_type("multipart/form-data; boundary=B");
    if (body_size >= 0) head.set_body_size(body_size);
    return head;
  }

  // Starts `upload` on the loop, as the gateway's I/O thread would.
  void Run(const std::shared_ptr<Upload>& upload, const CallRequest& head) {
    pool_.loop(0).Post([this, upload, head] { upload->Start(*client_, head); });
  }

  static std::string Rewritten(std::string form) {
    size_t at = form.find("[oa]whisper-1");
    return form.replace(at, 13, "whisper-1");
  }

  BufferBudget upload_budget_;
  LoopPool pool_{1, "upload-test"};
  ThreadScheduler scheduler_;
  router::ProviderLimiter limiter_;
  std::unique_ptr<router::ConfigStore> store_;
  std::unique_ptr<router::CurlHttpClient> curl_;
  router::LoopDeps loops_;
  std::optional<router::RouterService> service_;
  GrpcServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<gateway::RouterClient> client_;
};

TEST_P(UploadCallTest, ManyChunksArriveIntactWithModelRewritten) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  std::string form = ModelPart("[oa]whisper-1") + FilePart(700 << 10) + kEnd;
  auto upload = std::make_shared<Upload>(form, 16 << 10);
  Run(upload, Head(form.size()));
  ASSERT_TRUE(upload->WaitFinished().ok());
  Upstream::Seen seen = upstream.WaitEnded();
  EXPECT_TRUE(seen.complete);
  EXPECT_EQ(seen.body, Rewritten(form));  // byte for byte, only `model` changed
  EXPECT_EQ(seen.content_length, std::to_string(form.size() - 4));
  std::vector<CallResponse> messages = upload->messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.front().head().status(), 200);
  EXPECT_FALSE(upload->refused());
}

TEST_P(UploadCallTest, ChunkedBodyWithModelAfterTheFileWithinTheBound) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  std::string form = FilePart(300 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto upload = std::make_shared<Upload>(form, 7000);
  Run(upload, Head(-1));  // no declared length: sent upstream chunked
  ASSERT_TRUE(upload->WaitFinished().ok());
  Upstream::Seen seen = upstream.WaitEnded();
  EXPECT_TRUE(seen.complete);
  EXPECT_EQ(seen.body, Rewritten(form));
}

TEST_P(UploadCallTest, NoModelWithinTheBoundIsRefusedNamingIt) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream, /*prefix_bytes=*/64 << 10);
  std::string form = FilePart(200 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto upload = std::make_shared<Upload>(form, 16 << 10, /*stop_after=*/128 << 10);
  Run(upload, Head(form.size()));
  absl::Status status = upload->WaitFinished();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_NE(status.message().find("65536"), std::string::npos) << status;
  // The rest of the body is refused: its producer stops reading it.
  pool_.loop(0).Post([upload] { upload->WriteOneMore(std::string(1000, 'x')); });
  EXPECT_EQ(upload->WaitExtraWrite(), std::optional<bool>(false));
  EXPECT_FALSE(upstream.Now().connected);
}

TEST_P(UploadCallTest, CancelMidUploadCutsTheUpstreamTransfer) {
  Upstream upstream(Upstream::kHang);
  SetUpRouter(upstream);
  std::string form = ModelPart("[oa]whisper-1") + FilePart(2 << 20) + kEnd;
  auto upload = std::make_shared<Upload>(form, 32 << 10, /*stop_after=*/512 << 10);
  Run(upload, Head(form.size()));
  upload->WaitWritingStopped();
  EXPECT_FALSE(upload->refused());
  upstream.WaitReceived(64 << 10);  // the transfer is under way
  upload->Cancel();
  EXPECT_EQ(upload->WaitFinished().code(), absl::StatusCode::kCancelled);
  Upstream::Seen seen = upstream.WaitEnded();
  EXPECT_TRUE(seen.ended);
  EXPECT_FALSE(seen.complete);  // cut short, never completed
  EXPECT_LT(seen.body.size(), form.size());
}

TEST_P(UploadCallTest, EarlyUpstreamAnswerEndsTheCallAndRefusesFurtherWrites) {
  Upstream unused(Upstream::kAnswer);
  EarlyAnswerHttpClient http;
  SetUpRouter(unused, 1 << 20, &http);
  std::string form = ModelPart("[oa]whisper-1") + FilePart(4 << 20) + kEnd;
  // Written up to 256 KiB, the rest once the call is over.
  auto upload = std::make_shared<Upload>(form, 64 << 10, /*stop_after=*/256 << 10);
  Run(upload, Head(form.size()));
  EXPECT_TRUE(upload->WaitFinished().ok());
  std::vector<CallResponse> messages = upload->messages();
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.front().head().status(), 401);
  pool_.loop(0).Post([upload] { upload->WriteOneMore(std::string(1000, 'x')); });
  EXPECT_EQ(upload->WaitExtraWrite(), std::optional<bool>(false));
}

TEST_P(UploadCallTest, CancelWhileThePrefixIsHeldEndsTheCallWithoutUpstream) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  // `model` after a 2 MiB file: the router holds the body's first bytes, not yet routed.
  std::string form = FilePart(2 << 20) + ModelPart("[oa]whisper-1") + kEnd;
  auto upload = std::make_shared<Upload>(form, 32 << 10, /*stop_after=*/256 << 10);
  Run(upload, Head(form.size()));
  upload->WaitWritingStopped();
  EXPECT_FALSE(upload->refused());
  upload->Cancel();
  EXPECT_EQ(upload->WaitFinished().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(upstream.Now().connected);
}

// A provider that refuses the connection: no byte of the upload went, so its fallback gets
// it, whole, with `model` rewritten for the fallback (and Content-Length to match).
TEST_P(UploadCallTest, RefusedConnectionFallsBackWithTheWholeBody) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  AddProviderFallingBackToOa("dead", RefusingPort(), /*retries=*/1);
  std::string form = ModelPart("[dead]whisper-large") + FilePart(700 << 10) + kEnd;
  auto upload = std::make_shared<Upload>(form, 16 << 10);
  Run(upload, Head(form.size()));
  ASSERT_TRUE(upload->WaitFinished().ok());
  ASSERT_FALSE(upload->messages().empty());
  EXPECT_EQ(upload->messages().front().head().status(), 200);
  EXPECT_EQ(upload->messages().front().head().provider(), "oa");
  Upstream::Seen seen = upstream.WaitEnded();
  EXPECT_TRUE(seen.complete);
  std::string expected = form;
  expected.replace(expected.find("[dead]whisper-large"), 19, "whisper-1");
  EXPECT_TRUE(seen.body == expected);
  EXPECT_EQ(seen.content_length, std::to_string(expected.size()));
}

// A provider that fails once part of the body went: never sent again (no retry, no
// fallback), the client gets the error.
TEST_P(UploadCallTest, FailureAfterTheFirstByteIsNotRetried) {
  Upstream unused(Upstream::kAnswer);
  SetUpRouter(unused);
  CuttingUpstream cutting(64 << 10);
  AddProviderFallingBackToOa("cut", cutting.port(), /*retries=*/2);
  std::string form = ModelPart("[cut]whisper-1") + FilePart(2 << 20) + kEnd;
  auto upload = std::make_shared<Upload>(form, 32 << 10);
  Run(upload, Head(form.size()));
  absl::Status status = upload->WaitFinished();
  std::vector<CallResponse> messages = upload->messages();
  bool error_head =
      !messages.empty() && messages.front().has_head() && messages.front().head().status() >= 500;
  EXPECT_TRUE(!status.ok() || error_head) << status;
  EXPECT_EQ(cutting.connections(), 1);
  EXPECT_FALSE(unused.Now().connected);  // the fallback never got it
}

// The answer to an upload refused for want of budget: 503, Retry-After, upload_prefix_budget.
void ExpectBudgetRefusal(const std::vector<CallResponse>& messages) {
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].head().status(), 503);
  EXPECT_EQ(messages[0].head().headers().at("retry-after"), "1");
  auto error = nlohmann::json::parse(messages[1].data())["error"];
  EXPECT_EQ(error["type"], "server_error");
  EXPECT_EQ(error["code"], "upload_prefix_budget");
  EXPECT_NE(error["message"].get<std::string>().find("X-LLMSRouter-Provider"), std::string::npos);
}

// Uploads whose model comes after the file share --upload-prefix-budget: one that would hold
// more is refused at once and gives back what it held; a cancelled one gives back its bytes,
// which lets the next upload be held.
TEST_P(UploadCallTest, HeldPrefixesShareTheBudgetAndFreedBytesLetTheNextProceed) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  UseBudget(48 << 10);
  std::string big = FilePart(200 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto first = std::make_shared<Upload>(big, 16 << 10, /*stop_after=*/32 << 10);
  Run(first, Head(big.size()));
  first->WaitWritingStopped();
  ASSERT_TRUE(WaitHeld(32 << 10)) << upload_budget_.used();
  auto second = std::make_shared<Upload>(big, 16 << 10);
  Run(second, Head(big.size()));
  EXPECT_TRUE(second->WaitFinished().ok());
  ExpectBudgetRefusal(second->messages());
  second->WaitWritingStopped();
  EXPECT_TRUE(WaitHeld(32 << 10)) << upload_budget_.used();  // the second gave back its 16 KiB
  first->Cancel();
  EXPECT_EQ(first->WaitFinished().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(WaitHeld(0)) << upload_budget_.used();
  // 32 KiB held at most: refused beside the first's 32 KiB, taken now that they came back.
  std::string small = FilePart(40 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto third = std::make_shared<Upload>(small, 16 << 10);
  Run(third, Head(-1));
  EXPECT_TRUE(third->WaitFinished().ok());
  ASSERT_FALSE(third->messages().empty());
  EXPECT_EQ(third->messages().front().head().status(), 200);
  EXPECT_TRUE(upstream.WaitEnded().body == Rewritten(small));
  EXPECT_TRUE(WaitHeld(0)) << upload_budget_.used();
}

// --upload-prefix-budget 0: nothing is held. A form with its model first is streamed; one
// with its model later is refused at its first chunk, the upstream never called.
TEST_P(UploadCallTest, ZeroBudgetHoldsNothing) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  UseBudget(0);
  std::string late = FilePart(100 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto refused = std::make_shared<Upload>(late, 16 << 10);
  Run(refused, Head(late.size()));
  EXPECT_TRUE(refused->WaitFinished().ok());
  ExpectBudgetRefusal(refused->messages());
  EXPECT_FALSE(upstream.Now().connected);
  std::string early = ModelPart("[oa]whisper-1") + FilePart(100 << 10) + kEnd;
  auto streamed = std::make_shared<Upload>(early, 16 << 10);
  Run(streamed, Head(early.size()));
  EXPECT_TRUE(streamed->WaitFinished().ok());
  EXPECT_TRUE(upstream.WaitEnded().body == Rewritten(early));
  EXPECT_EQ(upload_budget_.used(), 0u);
}

// The client cancels from inside the refusal's first message: the call still ends once, and
// nothing stays counted.
TEST_P(UploadCallTest, CancelInsideTheBudgetRefusalEndsTheCallOnce) {
  Upstream upstream(Upstream::kAnswer);
  SetUpRouter(upstream);
  UseBudget(20 << 10);
  std::string late = FilePart(100 << 10) + ModelPart("[oa]whisper-1") + kEnd;
  auto upload = std::make_shared<Upload>(late, 16 << 10);
  upload->CancelOnMessage();
  Run(upload, Head(late.size()));
  absl::Status status = upload->WaitFinished();
  EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kCancelled) << status;
  ASSERT_FALSE(upload->messages().empty());
  EXPECT_EQ(upload->messages().front().head().status(), 503);
  EXPECT_TRUE(WaitHeld(0)) << upload_budget_.used();
  EXPECT_FALSE(upstream.Now().connected);
}

// A direct gRPC client whose body stream ends (half-close) before the last chunk: the router
// cuts the upstream transfer short and ends the call.
TEST_P(UploadCallTest, BodyStreamEndingWithoutLastCutsTheUpstream) {
  if (GetParam() != Transport::kGrpc) GTEST_SKIP() << "a gRPC stream's end";
  Upstream upstream(Upstream::kHang);
  SetUpRouter(upstream);
  std::string form = ModelPart("[oa]whisper-1") + FilePart(2 << 20) + kEnd;
  auto stub = router::v1::RouterService::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = stub->CallStream(&context);
  router::v1::CallStreamRequest message;
  *message.mutable_head() = Head(form.size());
  for (size_t at = 0; at < (512u << 10); at += 32 << 10) {
    message.set_chunk(form.substr(at, 32 << 10));
    ASSERT_TRUE(stream->Write(message));
    message.clear_head();
  }
  stream->WritesDone();
  CallResponse answer;
  while (stream->Read(&answer)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
  Upstream::Seen seen = upstream.WaitEnded();
  EXPECT_TRUE(seen.ended);
  EXPECT_FALSE(seen.complete);
}

INSTANTIATE_TEST_SUITE_P(Transports, UploadCallTest,
                         ::testing::Values(Transport::kGrpc, Transport::kLocal),
                         [](const auto& info) {
                           return info.param == Transport::kGrpc ? "Grpc" : "Local";
                         });

}  // namespace
}  // namespace llmsrouter::allinone
