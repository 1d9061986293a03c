// The three exporters: Langfuse OTLP, Langfuse legacy ingestion, JSON lines.
#ifndef LLMSROUTER_SERVICES_TRACER_EXPORTERS_H_
#define LLMSROUTER_SERVICES_TRACER_EXPORTERS_H_

#include <cstdio>
#include <memory>
#include <string>

#include "services/tracer/otlp_json.h"
#include "services/tracer/trace_exporter.h"

namespace llmsrouter::tracer {

struct LangfuseOptions {
  std::string host;  // e.g. https://cloud.langfuse.com (no trailing slash needed)
  std::string public_key;
  std::string secret_key;
  absl::Duration timeout = absl::Seconds(10);
  OtlpOptions otlp;
};

// POST {host}/api/public/otel/v1/traces, OTLP/HTTP JSON, Basic auth; also any OTLP/HTTP
// collector given its full traces URL.
class OtlpExporter : public TraceExporter {
 public:
  OtlpExporter(LangfuseOptions options, std::unique_ptr<HttpPoster> poster);
  absl::Status Export(const std::vector<v1::TraceEvent>& events,
                      absl::Duration* retry_after) override;
  std::string name() const override { return "otlp"; }

 private:
  LangfuseOptions options_;
  std::unique_ptr<HttpPoster> poster_;
  std::string url_;
};

// POST {host}/api/public/ingestion with trace-create + generation-create events (for older
// self-hosted Langfuse; removed from Langfuse Cloud on 2026-11-16).
class IngestionExporter : public TraceExporter {
 public:
  IngestionExporter(LangfuseOptions options, std::unique_ptr<HttpPoster> poster);
  absl::Status Export(const std::vector<v1::TraceEvent>& events,
                      absl::Duration* retry_after) override;
  std::string name() const override { return "ingestion"; }

 private:
  LangfuseOptions options_;
  std::unique_ptr<HttpPoster> poster_;
};

// The events of a legacy ingestion batch (exposed for tests).
std::string BuildIngestionBatch(const std::vector<v1::TraceEvent>& events);

// One JSON object per line, to a file or stdout — for laptops without Langfuse.
class JsonLinesExporter : public TraceExporter {
 public:
  // `path` "-" or empty: stdout.
  explicit JsonLinesExporter(const std::string& path);
  ~JsonLinesExporter() override;
  absl::Status Export(const std::vector<v1::TraceEvent>& events,
                      absl::Duration* retry_after) override;
  std::string name() const override { return "jsonl"; }

 private:
  FILE* file_;
  bool owned_;
};

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_EXPORTERS_H_
