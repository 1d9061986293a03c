#include "services/tracer/exporters.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "common/json_limits.h"
#include "common/strings.h"

namespace llmsrouter::tracer {
namespace {

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(n);
  return out;
}

std::vector<std::string> Headers(const LangfuseOptions& o, const char* content_type) {
  return {StrCat("Content-Type: ", content_type),
          StrCat("Authorization: Basic ", Base64(StrCat(o.public_key, ":", o.secret_key))),
          "x-langfuse-ingestion-version: 4"};
}

std::string Host(std::string host) {
  while (host.ends_with('/')) host.pop_back();
  return host;
}

nlohmann::json JsonOrString(const std::string& s) {
  if (s.empty()) return nullptr;
  auto j = ParseUntrustedJson(s);
  return j.is_discarded() ? nlohmann::json(s) : j;
}

}  // namespace

absl::Status StatusFromReply(const HttpPoster::Reply& reply, absl::Duration* retry_after) {
  if (reply.status >= 200 && reply.status < 300) return absl::OkStatus();
  double seconds = 0;
  if (!reply.retry_after.empty() && absl::SimpleAtod(reply.retry_after, &seconds) && seconds > 0) {
    *retry_after = absl::Seconds(seconds);
  }
  std::string message =
      StrCat("export answered HTTP ", reply.status, ": ", reply.body.substr(0, 200));
  if (reply.status == 429) return absl::ResourceExhaustedError(message);
  if (reply.status >= 500) return absl::UnavailableError(message);
  if (reply.status == 401 || reply.status == 403) return absl::UnauthenticatedError(message);
  return absl::InvalidArgumentError(message);
}

OtlpExporter::OtlpExporter(LangfuseOptions options, std::unique_ptr<HttpPoster> poster)
    : options_(std::move(options)), poster_(std::move(poster)) {
  url_ = Host(options_.host);
  if (!url_.ends_with("/v1/traces")) url_ += "/api/public/otel/v1/traces";
}

absl::Status OtlpExporter::Export(const std::vector<v1::TraceEvent>& events,
                                  absl::Duration* retry_after) {
  auto reply = poster_->Post(url_, Headers(options_, "application/json"),
                             BuildOtlpJson(events, options_.otlp), options_.timeout);
  if (!reply.ok()) return absl::UnavailableError(reply.status().message());
  return StatusFromReply(*reply, retry_after);
}

IngestionExporter::IngestionExporter(LangfuseOptions options, std::unique_ptr<HttpPoster> poster)
    : options_(std::move(options)), poster_(std::move(poster)) {}

std::string BuildIngestionBatch(const std::vector<v1::TraceEvent>& events) {
  nlohmann::json batch = nlohmann::json::array();
  for (const auto& e : events) {
    std::string trace_id = TraceIdFor(e.trace_id().empty() ? e.request_id() : e.trace_id());
    std::string start = IsoTime(e.timings().start_unix_us());
    std::string end = IsoTime(std::max(e.timings().start_unix_us(), e.timings().end_unix_us()));
    bool failed = !e.error().empty() || e.status() >= 400;
    nlohmann::json trace = {{"id", trace_id},
                            {"timestamp", start},
                            {"name", StrCat("llmsrouter ", e.endpoint())},
                            {"input", JsonOrString(e.input_json())},
                            {"output", JsonOrString(e.output_json())},
                            {"metadata", JsonOrString(e.metadata_json())}};
    if (!e.user().empty()) trace["userId"] = e.user();
    if (!e.session_id().empty()) trace["sessionId"] = e.session_id();
    if (e.tags_size() > 0)
      trace["tags"] = std::vector<std::string>(e.tags().begin(), e.tags().end());
    nlohmann::json generation = {
        {"id", SpanIdFor(e.request_id())},
        {"traceId", trace_id},
        {"name", StrCat("llmsrouter ", e.endpoint())},
        {"startTime", start},
        {"endTime", end},
        {"model", e.upstream_model().empty() ? e.requested_model() : e.upstream_model()},
        {"input", JsonOrString(e.input_json())},
        {"output", JsonOrString(e.output_json())},
        {"level", failed ? "ERROR" : "DEFAULT"}};
    auto params = JsonOrString(e.model_parameters_json());
    if (params.is_object()) {
      nlohmann::json scalar = nlohmann::json::object();
      for (auto it = params.begin(); it != params.end(); ++it) {
        if (it->is_string() || it->is_number() || it->is_boolean()) scalar[it.key()] = *it;
      }
      generation["modelParameters"] = scalar;
    }
    if (failed)
      generation["statusMessage"] = e.error().empty() ? StrCat("HTTP ", e.status()) : e.error();
    if (e.timings().first_token_unix_us() > 0) {
      generation["completionStartTime"] = IsoTime(e.timings().first_token_unix_us());
    }
    if (e.has_usage() && e.usage().total_tokens() > 0) {
      generation["usageDetails"] = {{"input", e.usage().prompt_tokens()},
                                    {"output", e.usage().completion_tokens()},
                                    {"total", e.usage().total_tokens()}};
    }
    batch.push_back({{"id", StrCat(trace_id, "-t")},
                     {"type", "trace-create"},
                     {"timestamp", start},
                     {"body", trace}});
    batch.push_back({{"id", StrCat(trace_id, "-g")},
                     {"type", "generation-create"},
                     {"timestamp", start},
                     {"body", generation}});
  }
  return nlohmann::json{{"batch", batch}, {"metadata", {{"sdk_name", "llmsrouter"}}}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::Status IngestionExporter::Export(const std::vector<v1::TraceEvent>& events,
                                       absl::Duration* retry_after) {
  auto reply = poster_->Post(StrCat(Host(options_.host), "/api/public/ingestion"),
                             Headers(options_, "application/json"), BuildIngestionBatch(events),
                             options_.timeout);
  if (!reply.ok()) return absl::UnavailableError(reply.status().message());
  return StatusFromReply(*reply, retry_after);
}

JsonLinesExporter::JsonLinesExporter(const std::string& path)
    : file_(path.empty() || path == "-" ? stdout : std::fopen(path.c_str(), "a")),
      owned_(file_ != stdout && file_ != nullptr) {
  if (file_ == nullptr) file_ = stdout;
}

JsonLinesExporter::~JsonLinesExporter() {
  if (owned_) std::fclose(file_);
}

absl::Status JsonLinesExporter::Export(const std::vector<v1::TraceEvent>& events, absl::Duration*) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  for (const auto& event : events) {
    std::string line;
    if (!google::protobuf::util::MessageToJsonString(event, &line, options).ok()) continue;
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), file_);
  }
  std::fflush(file_);
  return absl::OkStatus();
}

}  // namespace llmsrouter::tracer
