#include "services/tracer/tracer_app.h"

#include <random>

#include "common/metrics.h"
#include "common/strings.h"
#include "services/tracer/curl_poster.h"

namespace llmsrouter::tracer {

absl::StatusOr<std::unique_ptr<TracerApp>> TracerApp::Create(TracerAppOptions options) {
  std::unique_ptr<TraceExporter> exporter;
  std::string destination;
  const LangfuseOptions& lf = options.langfuse;
  if (lf.host.empty()) {
    exporter = std::make_unique<JsonLinesExporter>(options.jsonl_path);
    destination =
        StrCat("JSON lines to ", options.jsonl_path == "-" ? "stdout" : options.jsonl_path,
               " (LANGFUSE_HOST not set)");
  } else {
    if (lf.public_key.empty() || lf.secret_key.empty()) {
      return absl::InvalidArgumentError(
          "LANGFUSE_HOST is set but LANGFUSE_PUBLIC_KEY or LANGFUSE_SECRET_KEY is missing");
    }
    if (options.mode == "otlp") {
      exporter = std::make_unique<OtlpExporter>(lf, std::make_unique<CurlPoster>());
    } else if (options.mode == "ingestion") {
      exporter = std::make_unique<IngestionExporter>(lf, std::make_unique<CurlPoster>());
    } else {
      return absl::InvalidArgumentError(
          StrCat("unknown Langfuse mode '", options.mode, "' (use otlp or ingestion)"));
    }
    destination = StrCat("Langfuse at ", lf.host, " (", options.mode, ")");
  }
  auto batcher = std::make_unique<TraceBatcher>(std::move(exporter), options.batcher, [] {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0, 1)(engine);
  });
  TraceBatcher* b = batcher.get();
  auto& registry = MetricsRegistry::Global();
  registry.AddCallback("llmsrouter_tracer_queue_depth", "Trace events waiting for export.", "gauge",
                       [b] { return static_cast<double>(b->queued()); });
  registry.AddCallback("llmsrouter_tracer_exported_total", "Trace events exported.", "counter",
                       [b] { return static_cast<double>(b->exported()); });
  registry.AddCallback("llmsrouter_tracer_dropped_total", "Trace events dropped (full or refused).",
                       "counter", [b] { return static_cast<double>(b->dropped()); });
  registry.AddCallback("llmsrouter_tracer_failed_exports_total", "Export attempts that failed.",
                       "counter", [b] { return static_cast<double>(b->failed_exports()); });
  return std::unique_ptr<TracerApp>(new TracerApp(std::move(batcher), std::move(destination)));
}

}  // namespace llmsrouter::tracer
