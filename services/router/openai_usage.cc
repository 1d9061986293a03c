#include "services/router/openai_usage.h"

#include "common/json_fields.h"

namespace llmsrouter::router {
namespace {

const nlohmann::json* UsageObject(const nlohmann::json& doc) {
  if (!doc.is_object()) return nullptr;
  if (auto it = doc.find("usage"); it != doc.end() && it->is_object()) return &*it;
  auto response = doc.find("response");
  if (response == doc.end() || !response->is_object()) return nullptr;
  if (auto it = response->find("usage"); it != response->end() && it->is_object()) return &*it;
  return nullptr;
}

}  // namespace

void ReadOpenAiUsage(const nlohmann::json& doc, v1::Usage* out) {
  const nlohmann::json* usage = UsageObject(doc);
  if (usage == nullptr) return;
  // The Responses API's names, unless the Chat Completions ones are there.
  bool responses_api = !usage->contains("prompt_tokens") && usage->contains("input_tokens");
  const char* prompt = responses_api ? "input_tokens" : "prompt_tokens";
  const char* completion = responses_api ? "output_tokens" : "completion_tokens";
  out->set_prompt_tokens(JsonInt(*usage, prompt));
  out->set_completion_tokens(JsonInt(*usage, completion));
  out->set_total_tokens(JsonInt(*usage, "total_tokens"));
  nlohmann::json details = nlohmann::json::object();
  for (const auto& [from, to] :
       {std::pair{responses_api ? "input_tokens_details" : "prompt_tokens_details",
                  "prompt_tokens_details"},
        std::pair{responses_api ? "output_tokens_details" : "completion_tokens_details",
                  "completion_tokens_details"}}) {
    if (auto it = usage->find(from); it != usage->end() && !it->is_null()) details[to] = *it;
  }
  if (!details.empty()) out->set_details_json(details.dump());
}

}  // namespace llmsrouter::router
