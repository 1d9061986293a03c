#include "services/tracer/tracer_flags.h"

#include "absl/strings/numbers.h"

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
      {"trace-content", "LLMSROUTER_TRACE_CONTENT", "true",
       "false: keep prompts and answers out of traces (usage and timing stay)."},
  };
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
  out.batcher.content = options.GetBool("trace-content");
  return out;
}

}  // namespace llmsrouter::tracer
