#include "services/router/anthropic/usage.h"

#include "common/json_fields.h"
#include "common/strings.h"
#include "services/router/anthropic/json.h"

namespace llmsrouter::router::anthropic {
namespace {

void ReadUsage(const nlohmann::json& usage, v1::Usage* out) {
  if (!usage.is_object()) return;
  if (usage.contains("input_tokens")) {
    int64_t cached = JsonInt(usage, "cache_read_input_tokens");
    out->set_prompt_tokens(JsonInt(usage, "input_tokens") + cached +
                           JsonInt(usage, "cache_creation_input_tokens"));
    out->set_details_json(
        nlohmann::json{{"prompt_tokens_details", {{"cached_tokens", cached}}}}.dump());
  }
  if (usage.contains("output_tokens")) {
    out->set_completion_tokens(JsonInt(usage, "output_tokens"));
  }
  out->set_total_tokens(out->prompt_tokens() + out->completion_tokens());
}

}  // namespace

bool MayCarryAnthropicSummary(std::string_view data) {
  return Contains(data, "\"usage\"") || Contains(data, "\"stop_reason\"");
}

void ReadAnthropicSummary(const nlohmann::json& doc, v1::CallSummary* summary) {
  if (!doc.is_object()) return;
  const nlohmann::json* holder = &doc;
  if (auto m = doc.find("message"); m != doc.end() && m->is_object()) holder = &*m;
  if (auto u = holder->find("usage"); u != holder->end()) ReadUsage(*u, summary->mutable_usage());
  std::string reason = JsonString(*holder, "stop_reason");
  if (auto d = doc.find("delta"); reason.empty() && d != doc.end()) {
    reason = JsonString(*d, "stop_reason");
  }
  if (!reason.empty()) summary->set_finish_reason(FinishReasonFor(reason));
}

}  // namespace llmsrouter::router::anthropic
