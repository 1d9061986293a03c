#include "services/tracer/trace_batcher.h"

namespace llmsrouter::tracer {
namespace {

void Cut(std::string* s, size_t max) {
  if (s->size() <= max) return;
  s->resize(max);
  s->append("…[truncated by llmsrouter]");
}

// Langfuse's 5xx, 429 and timeouts pass; anything else would fail again.
bool Transient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status);
}

BatchSenderOptions SenderOptions(const BatcherOptions& options, const TraceExporter& exporter) {
  BatchSenderOptions out;
  out.limits = {options.capacity, options.max_batch_events, options.max_batch_bytes,
                options.max_age};
  out.base_backoff = options.base_backoff;
  out.max_backoff = options.max_backoff;
  out.retryable = Transient;
  out.log_component = "tracer";
  out.receiver = exporter.name();
  return out;
}

}  // namespace

void FitEvent(v1::TraceEvent& event, size_t max_bytes) {
  size_t size = event.ByteSizeLong();
  if (size <= max_bytes) return;
  size_t rest = size - event.input_json().size() - event.output_json().size();
  size_t budget = max_bytes > rest ? (max_bytes - rest) / 2 : 0;
  Cut(event.mutable_input_json(), budget);
  Cut(event.mutable_output_json(), budget);
  event.set_truncated(true);
}

TraceBatcher::TraceBatcher(std::unique_ptr<TraceExporter> exporter, BatcherOptions options,
                           std::function<double()> random)
    : exporter_(std::move(exporter)),
      options_(options),
      sender_(
          SenderOptions(options_, *exporter_),
          [this](const std::vector<v1::TraceEvent>& batch, absl::Duration* retry_after) {
            return exporter_->Export(batch, retry_after);
          },
          std::move(random), [](const v1::TraceEvent& event) { return event.ByteSizeLong(); }) {}

TraceBatcher::~TraceBatcher() { Shutdown(absl::Seconds(5)); }

size_t TraceBatcher::Add(std::vector<v1::TraceEvent> events) {
  for (auto& event : events) {
    if (!options_.content) {
      event.clear_input_json();
      event.clear_output_json();
    }
    FitEvent(event, options_.max_event_bytes);
  }
  size_t accepted = events.size();
  sender_.Add(std::move(events));
  return accepted;
}

bool TraceBatcher::Shutdown(absl::Duration deadline) { return sender_.Shutdown(deadline); }

}  // namespace llmsrouter::tracer
