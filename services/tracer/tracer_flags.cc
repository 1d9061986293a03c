#include "services/tracer/tracer_flags.h"

#include "absl/strings/numbers.h"
#include "common/strings.h"

namespace llmsrouter::tracer {

std::vector<FlagSpec> TracerFlagSpecs() {
  return {
      {"", "LANGFUSE_HOST", "",
       "Langfuse base URL (e.g. https://cloud.langfuse.com); empty: JSON lines."},
      {"", "LANGFUSE_PUBLIC_KEY", "", "Langfuse public key."},
      {"", "LANGFUSE_SECRET_KEY", "", "Langfuse secret key."},
      {"langfuse-mode", "LANGFUSE_MODE", "otlp",
       "otlp (OpenTelemetry endpoint) or ingestion (legacy batch API of older self-hosted "
       "Langfuse)."},
      {"", "LANGFUSE_ENVIRONMENT", "", "langfuse.environment of every trace."},
      {"langfuse-timeout", "LANGFUSE_TIMEOUT", "10", "Seconds one export request may take."},
      {"trace-file", "LLMSROUTER_TRACE_FILE", "-",
       "Without Langfuse, where JSON-line traces go ('-' = stdout)."},
      {"trace-content", "LLMSROUTER_TRACE_CONTENT", "auto",
       "Prompts and answers in traces: auto = only when they go to Langfuse (never into "
       "JSON-line traces), true = also in JSON lines, false = never (usage and timing stay)."},
  };
}

bool TraceContentWanted(const Options& options, bool to_langfuse) {
  std::string mode = Lower(options.Get("trace-content"));
  if (mode.empty() || mode == "auto") return to_langfuse;
  return options.GetBool("trace-content");
}

TracerAppOptions TracerOptionsFrom(const Options& options) {
  TracerAppOptions out;
  out.langfuse.host = options.Get("LANGFUSE_HOST");
  out.langfuse.public_key = options.Get("LANGFUSE_PUBLIC_KEY");
  out.langfuse.secret_key = options.Get("LANGFUSE_SECRET_KEY");
  out.langfuse.otlp.environment = options.Get("LANGFUSE_ENVIRONMENT");
  out.mode = options.Get("langfuse-mode");
  double timeout = 10;
  if (absl::SimpleAtod(options.Get("langfuse-timeout"), &timeout) && timeout > 0) {
    out.langfuse.timeout = absl::Seconds(timeout);
  }
  out.jsonl_path = options.Get("trace-file");
  out.batcher.content = TraceContentWanted(options, !out.langfuse.host.empty());
  return out;
}

}  // namespace llmsrouter::tracer
