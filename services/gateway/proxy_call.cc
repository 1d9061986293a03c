#include "services/gateway/proxy_call.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "common/anthropic_error.h"
#include "common/log.h"
#include "common/metric_labels.h"
#include "common/metrics.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/gateway/responses.h"
#include "services/gateway/upload_body_pump.h"

namespace llmsrouter::gateway {

namespace {

// An empty content type is the router's SSE default (BeginStream).
bool IsEventStream(std::string_view content_type) {
  return content_type.empty() ||
         absl::StartsWithIgnoreCase(absl::string_view(content_type.data(), content_type.size()),
                                    "text/event-stream");
}

Gauge& ActiveStreams() {
  static Gauge& g = MetricsRegistry::Global().GetGauge(
      "llmsrouter_gateway_active_streams", "Streamed responses being written to clients.");
  return g;
}

}  // namespace

ProxyCall::~ProxyCall() {
  if (active_) active_->fetch_sub(1);
}

void ProxyCall::RecordMetrics(int status) {
  static auto& requests = *new MetricFamily<Counter>(
      "llmsrouter_http_requests_total", "HTTP API requests by route, status, provider.",
      {"route", "status", "provider"});
  static auto& durations =
      *new MetricFamily<Histogram>("llmsrouter_http_request_duration_seconds",
                                   "Time from request to the end of the response.", {"route"});
  static auto& overheads = *new MetricFamily<Histogram>(
      "llmsrouter_gateway_overhead_seconds",
      "What the gateway and router added: total time minus upstream time.", {"route"});
  char status_text[16];
  auto [end, ec] = std::to_chars(status_text, status_text + sizeof(status_text), status);
  std::string_view provider = ProviderLabel(head_.provider());
  double seconds = absl::ToDoubleSeconds(absl::Now() - started_);
  requests.With({route_, std::string_view(status_text, end - status_text), provider}).Inc();
  durations.With({route_}).Observe(seconds);
  if (upstream_us_ >= 0) {
    overheads.With({route_}).Observe(std::max(0.0, seconds - upstream_us_ / 1e6));
  }
}

std::shared_ptr<ProxyCall> ProxyCall::Create(std::shared_ptr<HttpSession> session,
                                             const router::v1::CallRequest& request,
                                             std::string request_id,
                                             std::shared_ptr<std::atomic<int>> active,
                                             bool overhead_header, bool anthropic_errors) {
  std::string route(RouteLabel(request.endpoint()));
  auto call = std::make_shared<ProxyCall>(std::move(session), std::move(request_id),
                                          std::move(route), std::move(active));
  call->overhead_header_ = overhead_header;
  call->anthropic_errors_ = anthropic_errors;
  call->responses_errors_ = request.endpoint() == "responses";
  return call;
}

void ProxyCall::Start(RouterClient& router, std::shared_ptr<HttpSession> session,
                      const router::v1::CallRequest& request, std::string request_id,
                      std::shared_ptr<std::atomic<int>> active, bool overhead_header,
                      bool anthropic_errors) {
  auto call = Create(std::move(session), request, std::move(request_id), std::move(active),
                     overhead_header, anthropic_errors);
  // Watch first: the call may be answered inside StartCall (a request that cannot be routed),
  // and the watch must belong to this request. Its handler runs on this thread, so not
  // before StartCall has attached the stream.
  call->session_->WatchForDisconnect([call] { call->CancelRouter(); });
  router.StartCall(request, call);
}

void ProxyCall::StartUpload(RouterClient& router, std::shared_ptr<HttpSession> session,
                            const router::v1::CallRequest& head, std::string request_id,
                            std::shared_ptr<std::atomic<int>> active, bool overhead_header) {
  auto call = Create(std::move(session), head, std::move(request_id), std::move(active),
                     overhead_header, false);
  // No disconnect watch while the body is read (its bytes would wake it): a client leaving
  // mid-body fails the read instead; the watch is armed once the body is in (OnBodyEnd).
  std::shared_ptr<BodyWriter> writer = router.StartUpload(head, call);
  if (writer == nullptr) return;  // finished at once; its answer closes the connection
  UploadBodyPump::Start(call->session_, std::move(writer),
                        [call](absl::Status status) { call->OnBodyEnd(std::move(status)); });
}

void ProxyCall::OnBodyEnd(absl::Status status) {
  if (answered_) return;  // the router answered first; the connection closes after it
  if (status.ok()) {
    session_->WatchForDisconnect([call = shared_from_this()] { call->CancelRouter(); });
    return;
  }
  body_error_ = std::move(status);
  CancelRouter();  // the upstream request is cut short, never completed
}

void ProxyCall::AnswerBodyError(const absl::Status& error) {
  if (absl::IsUnavailable(error)) {  // the client left mid-body: nobody to answer
    RecordMetrics(499);
    session_->AbortStream();
    return;
  }
  bool too_large = absl::IsResourceExhausted(error);
  bool idle = absl::IsDeadlineExceeded(error);  // the client stopped sending mid-body
  HttpResponse response =
      ErrorResponse(too_large ? 413 : (idle ? 408 : 400), std::string(error.message()),
                    too_large ? "request_too_large" : (idle ? "request_timeout" : ""));
  response.set("X-Request-Id", request_id_);
  RecordMetrics(response.result_int());
  session_->SendResponse(std::move(response));
}

void ProxyCall::Attach(std::shared_ptr<RouterStream> stream) {
  absl::MutexLock lock(&stream_mu_);
  stream_ = std::move(stream);
}

std::shared_ptr<RouterStream> ProxyCall::stream() {
  absl::MutexLock lock(&stream_mu_);
  return stream_;
}

bool ProxyCall::OnSessionThread() {
  return session_->executor().target<net::io_context::executor_type>() != nullptr &&
         session_->executor().target<net::io_context::executor_type>()->running_in_this_thread();
}

void ProxyCall::OnMessage(router::v1::CallResponse message) {
  // Messages that write nothing to the client (a non-stream head, the pieces of a whole body,
  // the summary) are taken on this thread: no hop to the session's thread and back.
  // Messages arrive one at a time (the next only after Next()), so this never overlaps Handle.
  bool needs_socket =
      message.has_head() ? message.head().stream() : (message.has_data() && streaming_);
  if (!needs_socket) {
    if (message.has_head()) {
      head_ = std::move(*message.mutable_head());
      have_head_ = true;
    } else if (message.has_data()) {
      body_.append(message.data());
    } else if (message.has_summary()) {
      const auto& t = message.summary().timings();
      if (t.end_unix_us() > 0 && t.start_unix_us() > 0)
        upstream_us_ = t.end_unix_us() - t.start_unix_us();
    }
    Next();
    return;
  }
  if (OnSessionThread()) {  // the call runs on the session's thread: no hop
    Handle(message);
    return;
  }
  net::post(session_->executor(),
            [self = shared_from_this(), message = std::move(message)]() mutable {
              self->Handle(message);
            });
}

void ProxyCall::OnFinish(absl::Status status) {
  std::shared_ptr<RouterStream> finished;
  {
    absl::MutexLock lock(&stream_mu_);
    finished = std::move(stream_);
  }
  if (OnSessionThread()) {
    HandleFinish(status);
    return;
  }
  net::post(session_->executor(), [self = shared_from_this(), status = std::move(status)] {
    self->HandleFinish(status);
  });
}

void ProxyCall::Next() {
  if (auto s = stream()) s->Next();
}

void ProxyCall::CancelRouter() {
  if (auto s = stream()) s->Cancel();
}

void ProxyCall::Handle(router::v1::CallResponse& message) {
  switch (message.kind_case()) {
    case router::v1::CallResponse::kHead:
      head_ = std::move(*message.mutable_head());
      have_head_ = true;
      if (head_.stream() && !session_->client_gone()) {
        BeginStream(head_);
        return;
      }
      break;
    case router::v1::CallResponse::kData:
      if (streaming_) {
        current_ = std::move(*message.mutable_data());
        writing_ = true;
        session_->SendChunk(current_,
                            [self = shared_from_this()](bool ok) { self->AfterWrite(ok); });
        return;
      }
      body_.append(message.data());
      break;
    default:
      break;
  }
  Next();
}

void ProxyCall::BeginStream(const router::v1::ResponseHead& head) {
  http::response<http::empty_body> response{static_cast<http::status>(head.status()), 11};
  response.set(http::field::content_type,
               head.content_type().empty() ? "text/event-stream" : head.content_type());
  response.set(http::field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Request-Id", request_id_);
  for (const auto& [name, value] : head.headers()) response.set(name, value);
  streaming_ = true;
  ActiveStreams().Add(1);
  writing_ = true;
  session_->SendStreamHead(std::move(response),
                           [self = shared_from_this()](bool ok) { self->AfterWrite(ok); });
}

void ProxyCall::AfterWrite(bool ok) {
  writing_ = false;
  if (finish_) {  // the call ended while this write was out (a cancel finishes it at once)
    absl::Status status = *std::move(finish_);
    finish_.reset();
    HandleFinish(status);
    return;
  }
  if (!ok) CancelRouter();
  Next();
}

void ProxyCall::HandleFinish(const absl::Status& status) {
  if (writing_) {  // one write at a time: finish once the current one is done
    finish_ = status;
    return;
  }
  answered_ = true;
  if (auto detail = status.GetPayload(kGrpcTransportDetail)) {
    Log(LogLevel::kWarning, "gateway", "router call failed",
        {{"request_id", request_id_}, {"error", std::string(*detail)}});
  }
  if (streaming_) {
    ActiveStreams().Add(-1);
    RecordMetrics(status.ok() ? head_.status() : HttpStatusFromStatus(status));
    if (!status.ok() && !IsEventStream(head_.content_type())) {
      session_->AbortStream();  // raw bytes (audio, a file) cannot carry an error event
      return;
    }
    std::string error;
    if (!status.ok()) {
      error = anthropic_errors_ ? StrCat("event: error\ndata: ", AnthropicErrorBody(status), "\n\n")
              : responses_errors_ ? ResponsesSseErrorEvent(status)
                                  : SseErrorEvent(status);
    }
    // An error event ends the stream like any other: the last chunk keeps the connection
    // whole, so it stays open (closing it raced the client's reuse of its pooled socket).
    session_->FinishStream(std::move(error), /*reuse=*/true);
    return;
  }
  if (body_error_) {
    AnswerBodyError(*body_error_);
    return;
  }
  if (session_->client_gone()) {
    RecordMetrics(499);
    return;
  }
  HttpResponse response;
  if (have_head_ && status.ok()) {
    bool failed = head_.status() < 200 || head_.status() >= 300;
    if (anthropic_errors_ && failed) body_ = ToAnthropicErrorBody(body_, head_.status());
    response = JsonResponse(head_.status(), std::move(body_));
    if (!head_.content_type().empty()) {
      response.set(http::field::content_type, head_.content_type());
    }
    for (const auto& [name, value] : head_.headers()) response.set(name, value);
  } else {
    absl::Status error =
        status.ok() ? absl::InternalError("router ended the call without an answer") : status;
    response = anthropic_errors_
                   ? JsonResponse(HttpStatusFromStatus(error), AnthropicErrorBody(error))
                   : ErrorResponse(error);
  }
  response.set("X-Request-Id", request_id_);
  // Whatever an upstream sends is never interpreted by a browser as anything but its declared
  // type (an HTML page from a hostile upstream would otherwise run from the gateway's origin).
  response.set("X-Content-Type-Options", "nosniff");
  if (overhead_header_ && upstream_us_ >= 0) {
    double ms =
        std::max(0.0, absl::ToDoubleMilliseconds(absl::Now() - started_) - upstream_us_ / 1e3);
    char value[32];
    std::snprintf(value, sizeof(value), "%.3f", ms);
    response.set("X-LLMSRouter-Overhead-Ms", value);
  }
  RecordMetrics(response.result_int());
  session_->SendResponse(std::move(response));
}

}  // namespace llmsrouter::gateway
