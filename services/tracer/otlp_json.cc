#include "services/tracer/otlp_json.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "common/strings.h"

namespace llmsrouter::tracer {
namespace {

using Json = nlohmann::ordered_json;

uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string Hex64(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xf];
  return out;
}

Json Attr(std::string_view key, Json value) {
  return Json{{"key", key}, {"value", std::move(value)}};
}
Json Str(std::string_view s) { return Json{{"stringValue", s}}; }
Json Int(int64_t v) { return Json{{"intValue", std::to_string(v)}}; }

// A span's attribute list, in the order Langfuse shows them.
class Attributes {
 public:
  // Skips empty values (Langfuse shows an empty field otherwise).
  void AddString(std::string_view key, const std::string& value) {
    if (!value.empty()) list_.push_back(Attr(key, Str(value)));
  }
  void Add(std::string_view key, Json value) { list_.push_back(Attr(key, std::move(value))); }
  Json Take() { return std::move(list_); }

 private:
  Json list_ = Json::array();
};

bool Failed(const v1::TraceEvent& e) { return !e.error().empty() || e.status() >= 400; }

// What Langfuse files the observation and its trace under, and their input and output.
void AddLangfuseAttributes(const v1::TraceEvent& e, Attributes& attrs) {
  attrs.AddString("langfuse.observation.type", "generation");
  attrs.AddString("langfuse.trace.name", StrCat("llmsrouter ", e.endpoint()));
  attrs.AddString("langfuse.user.id", e.user());
  attrs.AddString("langfuse.session.id", e.session_id());
  attrs.AddString("langfuse.observation.model.name",
                  e.upstream_model().empty() ? e.requested_model() : e.upstream_model());
  attrs.AddString("langfuse.observation.input", e.input_json());
  attrs.AddString("langfuse.observation.output", e.output_json());
  attrs.AddString("langfuse.trace.input", e.input_json());
  attrs.AddString("langfuse.trace.output", e.output_json());
  attrs.AddString("langfuse.observation.model.parameters", e.model_parameters_json());
  attrs.AddString("langfuse.trace.metadata", e.metadata_json());
}

// Tokens, time to first token, level and tags.
void AddUsageAndOutcome(const v1::TraceEvent& e, Attributes& attrs) {
  if (e.has_usage() && e.usage().total_tokens() > 0) {
    Json usage = {{"input", e.usage().prompt_tokens()},
                  {"output", e.usage().completion_tokens()},
                  {"total", e.usage().total_tokens()}};
    attrs.AddString("langfuse.observation.usage_details", usage.dump());
    attrs.Add("gen_ai.usage.input_tokens", Int(e.usage().prompt_tokens()));
    attrs.Add("gen_ai.usage.output_tokens", Int(e.usage().completion_tokens()));
  }
  if (e.cost_input_usd() + e.cost_output_usd() > 0) {
    Json cost = {{"input", e.cost_input_usd()},
                 {"output", e.cost_output_usd()},
                 {"total", e.cost_input_usd() + e.cost_output_usd()}};
    attrs.AddString("langfuse.observation.cost_details", cost.dump());
  }
  if (e.timings().first_token_unix_us() > 0) {
    attrs.AddString("langfuse.observation.completion_start_time",
                    IsoTime(e.timings().first_token_unix_us()));
  }
  attrs.AddString("langfuse.observation.level", Failed(e) ? "ERROR" : "DEFAULT");
  attrs.AddString("langfuse.observation.status_message", e.error());
  if (e.tags_size() > 0) {
    Json values = Json::array();
    for (const auto& t : e.tags()) values.push_back(Str(t));
    attrs.Add("langfuse.trace.tags", Json{{"arrayValue", {{"values", values}}}});
  }
}

// OpenTelemetry's gen_ai conventions, and the router's own fields.
void AddCallAttributes(const v1::TraceEvent& e, Attributes& attrs) {
  attrs.AddString("gen_ai.system", e.provider());
  attrs.AddString("gen_ai.request.model", e.requested_model());
  attrs.AddString("gen_ai.response.model", e.upstream_model());
  attrs.AddString("gen_ai.response.finish_reasons", e.finish_reason());
  attrs.AddString("llmsrouter.request_id", e.request_id());
  attrs.AddString("llmsrouter.source", e.source());
  attrs.Add("http.response.status_code", Int(e.status()));
  if (e.upstream_status() != 0) attrs.Add("llmsrouter.upstream_status", Int(e.upstream_status()));
  if (e.attempts() > 1) attrs.Add("llmsrouter.attempts", Int(e.attempts()));
  if (e.truncated()) attrs.Add("llmsrouter.truncated", Json{{"boolValue", true}});
}

Json SpanStatus(const v1::TraceEvent& e) {
  bool failed = Failed(e);
  Json status = {{"code", failed ? 2 : 1}};
  if (failed) status["message"] = e.error().empty() ? StrCat("HTTP ", e.status()) : e.error();
  return status;
}

Json Span(const v1::TraceEvent& e) {
  Attributes attrs;
  AddLangfuseAttributes(e, attrs);
  AddUsageAndOutcome(e, attrs);
  AddCallAttributes(e, attrs);
  int64_t start = e.timings().start_unix_us();
  int64_t end = std::max(start, e.timings().end_unix_us());
  return Json{{"traceId", TraceIdFor(e.trace_id().empty() ? e.request_id() : e.trace_id())},
              {"spanId", SpanIdFor(e.request_id())},
              {"name", StrCat("llmsrouter ", e.endpoint())},
              {"kind", 3},
              {"startTimeUnixNano", std::to_string(start * 1000)},
              {"endTimeUnixNano", std::to_string(end * 1000)},
              {"attributes", attrs.Take()},
              {"status", SpanStatus(e)}};
}

}  // namespace

std::string TraceIdFor(std::string_view id) {
  std::string_view hex = id;
  ConsumePrefix(&hex, "req_");
  bool all_hex = hex.size() >= 32;
  for (size_t i = 0; all_hex && i < 32; ++i) {
    all_hex = std::isxdigit(static_cast<unsigned char>(hex[i])) != 0;
  }
  if (all_hex) return Lower(hex.substr(0, 32));
  return Hex64(Fnv1a(id, 1)) + Hex64(Fnv1a(id, 2));
}

std::string SpanIdFor(std::string_view request_id) { return Hex64(Fnv1a(request_id, 3) | 1); }

std::string IsoTime(int64_t unix_us) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(unix_us),
                          absl::UTCTimeZone());
}

std::string BuildOtlpJson(const std::vector<v1::TraceEvent>& events, const OtlpOptions& options) {
  Json spans = Json::array();
  for (const auto& e : events) spans.push_back(Span(e));
  Json resource_attrs = Json::array({Attr("service.name", Str(options.service_name))});
  if (!options.environment.empty()) {
    resource_attrs.push_back(Attr("langfuse.environment", Str(options.environment)));
  }
  Json request = {
      {"resourceSpans",
       Json::array(
           {{{"resource", {{"attributes", resource_attrs}}},
             {"scopeSpans", Json::array({{{"scope", {{"name", "llmsrouter"}, {"version", "0.1.0"}}},
                                          {"spans", std::move(spans)}}})}}})}};
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace llmsrouter::tracer
