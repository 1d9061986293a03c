#include "services/router/upstream_exchange.h"

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "common/json_fields.h"
#include "common/json_limits.h"
#include "common/log.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/anthropic/usage.h"
#include "services/router/openai_usage.h"
#include "services/router/resource_id.h"

namespace llmsrouter::router {
namespace {

// An allow-list: headers such as openai-organization or openai-project name the operator's
// account and stay behind.
bool ForwardedHeader(std::string_view name) {
  return name == "retry-after" || name == "retry-after-ms" || name.starts_with("x-ratelimit-") ||
         name == "openai-processing-ms" || name == "openai-version" ||
         name.starts_with("anthropic-ratelimit-") ||
         name == "content-disposition";  // a file's name (files/{id}/content)
}

constexpr size_t kQuotedErrorBytes = 512;

void ReadFinishReason(const nlohmann::json& doc, v1::CallSummary* summary) {
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array()) return;
  for (const auto& choice : *choices) {
    auto reason = choice.find("finish_reason");
    if (reason != choice.end() && reason->is_string()) {
      summary->set_finish_reason(reason->get<std::string>());
    }
  }
}

// A chunk with `"choices":[]` and a usage object: the extra chunk include_usage produces.
bool IsUsageOnlyChunk(std::string_view data) {
  return (Contains(data, "\"choices\":[]") || Contains(data, "\"choices\": []")) &&
         Contains(data, "\"usage\"");
}

}  // namespace

absl::Duration RetryAfter(const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    double number = 0;
    if (name == "retry-after-ms" && absl::SimpleAtod(value, &number) && number > 0) {
      return absl::Milliseconds(number);
    }
  }
  for (const auto& [name, value] : headers) {
    double number = 0;
    if (name == "retry-after" && absl::SimpleAtod(value, &number) && number > 0) {
      return absl::Seconds(number);
    }
  }
  return absl::ZeroDuration();
}

UpstreamExchange::UpstreamExchange(const Clock& clock, CallOutput* output, ExchangeInfo info)
    : clock_(clock),
      output_(output),
      info_(std::move(info)),
      parser_(info_.max_event_bytes),
      reservation_(info_.budget) {
  summary_.mutable_timings()->set_start_unix_us(NowMicros());
}

int64_t UpstreamExchange::NowMicros() const { return absl::ToUnixMicros(clock_.Now()); }

void UpstreamExchange::OnHeaders(int status, HeaderList headers) {
  summary_.mutable_timings()->set_upstream_headers_unix_us(NowMicros());
  summary_.set_upstream_status(status);
  retry_after_ = RetryAfter(headers);
  head_.set_status(status);
  head_.set_provider(info_.provider);
  head_.set_upstream_model(info_.upstream_model);
  head_.set_request_id(info_.request_id);
  for (auto& [name, value] : headers) {
    if (name == "content-type") {
      head_.set_content_type(value);
    } else if (ForwardedHeader(name)) {
      (*head_.mutable_headers())[name] = std::move(value);
    }
  }
  bool ok = status >= 200 && status < 300;
  streaming_ = ok && !info_.raw_answer && Contains(head_.content_type(), "text/event-stream");
  raw_ = ok && !streaming_ &&
         (info_.raw_answer ||
          (!head_.content_type().empty() && !Contains(Lower(head_.content_type()), "json")));
  head_.set_stream(streaming_ || raw_);
  if (streaming_ || raw_) EmitHead();
}

void UpstreamExchange::EmitHead() {
  v1::CallResponse message;
  *message.mutable_head() = head_;
  emitted_ = true;
  output_->Emit(std::move(message));
}

void UpstreamExchange::InspectEvent(std::string_view data) {
  if (info_.anthropic) {
    if (anthropic::MayCarryAnthropicSummary(data)) {
      anthropic::ReadAnthropicSummary(ParseUntrustedJson(data), &summary_);
    }
    return;
  }
  // Only chunks that can carry usage or a finish reason are parsed.
  bool has_usage = Contains(data, "\"usage\"") && !Contains(data, "\"usage\":null");
  bool has_finish =
      Contains(data, "\"finish_reason\":\"") || Contains(data, "\"finish_reason\": \"");
  if (!has_usage && !has_finish) return;
  auto doc = ParseUntrustedJson(data);
  if (!doc.is_object()) return;
  if (has_usage) ReadOpenAiUsage(doc, summary_.mutable_usage());
  if (has_finish) ReadFinishReason(doc, &summary_);
}

bool UpstreamExchange::Abort(std::string_view what) {
  abort_ =
      WithOpenAiDetails(absl::UnavailableError(StrCat("provider '", info_.provider, "' ", what)),
                        "", "upstream_error");
  std::string().swap(body_);
  reservation_.Resize(0, 0);
  Log(LogLevel::kWarning, "router", "upstream transfer ended by a limit",
      {{"request_id", info_.request_id},
       {"provider", info_.provider},
       {"error", std::string(abort_.message())}});
  return false;
}

bool UpstreamExchange::ForwardRaw(std::string_view bytes) {
  if (!output_->HasRoom()) return false;
  auto* timings = summary_.mutable_timings();
  if (timings->first_token_unix_us() == 0) timings->set_first_token_unix_us(NowMicros());
  v1::CallResponse message;
  message.set_data(std::string(bytes));
  output_->Emit(std::move(message));
  return true;
}

bool UpstreamExchange::OnData(std::string_view bytes) {
  if (!abort_.ok()) return false;
  if (raw_) return ForwardRaw(bytes);
  if (!streaming_) {
    if (body_.size() + bytes.size() > kMaxBodyBytes) {
      return Abort("sent a response body over 64 MiB");
    }
    if (!reservation_.Resize(body_.size() + bytes.size(), info_.max_buffered_bytes)) {
      return Abort("could not be buffered: the router holds limits.buffered_bytes already");
    }
    body_.append(bytes);
    return true;
  }
  if (!output_->HasRoom()) return false;
  auto* timings = summary_.mutable_timings();
  batch_.clear();
  bool parsed = parser_.Feed(bytes, [&](std::string_view raw, std::string_view data) {
    if (timings->first_token_unix_us() == 0) timings->set_first_token_unix_us(NowMicros());
    if (!data.empty() && data != "[DONE]") {
      InspectEvent(data);
      if (info_.hide_usage_chunk && IsUsageOnlyChunk(data)) return;
    }
    batch_.append(raw);
  });
  if (!batch_.empty()) {
    if (!info_.id_alias.empty()) EncodeResourceIdsInJson(info_.id_alias, &batch_);
    v1::CallResponse message;
    message.set_data(batch_);
    output_->Emit(std::move(message));
  }
  if (!parsed) {
    return Abort(StrCat("sent an SSE event over ", info_.max_event_bytes,
                        " bytes without ending it (limits.sse_event_bytes)"));
  }
  if (!reservation_.Resize(parser_.pending().size(), info_.max_buffered_bytes)) {
    return Abort("could not be buffered: the router holds limits.buffered_bytes already");
  }
  return true;
}

absl::Status UpstreamExchange::ForClient(absl::Status status) const {
  if (status.ok() || status.code() == absl::StatusCode::kCancelled) return status;
  auto detail = status.GetPayload(kHttpErrorDetail);
  Log(LogLevel::kWarning, "router", "upstream transfer failed",
      {{"request_id", info_.request_id},
       {"provider", info_.provider},
       {"error", std::string(status.message())},
       {"detail", detail ? std::string(*detail) : std::string()}});
  std::string_view message = ToStd(status.message());
  ConsumePrefix(&message, "upstream: ");
  absl::Status out(status.code(), StrCat("provider '", info_.provider, "': ", message));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (url != kHttpErrorDetail) out.SetPayload(url, payload);
  });
  return out;
}

void UpstreamExchange::WrapNonJsonError(int http_status) {
  const std::string& type = head_.content_type();
  if (Contains(Lower(type), "json")) return;
  auto doc = ParseUntrustedJson(body_);
  if (doc.is_object()) return;  // JSON without the header: kept as sent
  std::string quote = body_.substr(0, kQuotedErrorBytes);
  if (body_.size() > kQuotedErrorBytes) quote += "...";
  std::string message = StrCat("provider '", info_.provider, "' answered HTTP ", http_status);
  if (!quote.empty()) StrAppend(&message, ": ", quote);
  body_ = OpenAiErrorBody(message, OpenAiErrorType(http_status), "", "upstream_error");
  head_.set_content_type("application/json");
}

void UpstreamExchange::InspectBody() {
  if (summary_.upstream_status() < 200 || summary_.upstream_status() >= 300) return;
  auto doc = ParseUntrustedJson(body_);
  if (!doc.is_object()) return;
  if (info_.anthropic) {
    anthropic::ReadAnthropicSummary(doc, &summary_);
    return;
  }
  ReadOpenAiUsage(doc, summary_.mutable_usage());
  ReadFinishReason(doc, &summary_);
}

void UpstreamExchange::EmitSummary(std::string error) {
  summary_.set_error(std::move(error));
  summary_.mutable_timings()->set_end_unix_us(NowMicros());
  v1::CallResponse message;
  *message.mutable_summary() = summary_;
  output_->Emit(std::move(message));
}

void UpstreamExchange::OnComplete(absl::Status status) {
  CallOutput* output = output_;
  bool capped = !abort_.ok();
  status = capped ? abort_ : ForClient(std::move(status));
  reservation_.Resize(0, 0);
  if (streaming_ || raw_) {
    if (streaming_ && status.ok() && !parser_.pending().empty()) {
      v1::CallResponse message;
      message.set_data(std::string(parser_.pending()));
      output->Emit(std::move(message));
    }
    EmitSummary(status.ok() ? "" : std::string(status.message()));
    output->Complete(std::move(status));
    return;
  }
  if (!status.ok()) {
    // A cap is not retried: the same provider would likely send the same answer.
    if (!capped && output->TakeOverFailure(status, 0, absl::ZeroDuration())) return;
    if (status.code() == absl::StatusCode::kUnavailable) {
      status = WithOpenAiDetails(std::move(status), "", "upstream_error");
    }
    output->Complete(std::move(status));
    return;
  }
  if (summary_.timings().first_token_unix_us() == 0 && !body_.empty()) {
    summary_.mutable_timings()->set_first_token_unix_us(NowMicros());
  }
  int http_status = summary_.upstream_status();
  if ((http_status < 200 || http_status >= 300) &&
      output->TakeOverFailure(status, http_status, retry_after_)) {
    return;
  }
  if (http_status < 200 || http_status >= 300) WrapNonJsonError(http_status);
  InspectBody();
  if (!info_.id_alias.empty() && http_status >= 200 && http_status < 300) {
    EncodeResourceIdsInJson(info_.id_alias, &body_);
  }
  EmitHead();
  v1::CallResponse data;
  data.set_data(std::move(body_));
  output->Emit(std::move(data));
  EmitSummary("");
  output->Complete(absl::OkStatus());
}

}  // namespace llmsrouter::router
