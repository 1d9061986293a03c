// Reading the token usage an OpenAI-compatible answer reports into a call's Usage.
#ifndef LLMSROUTER_SERVICES_ROUTER_OPENAI_USAGE_H_
#define LLMSROUTER_SERVICES_ROUTER_OPENAI_USAGE_H_

#include <nlohmann/json.hpp>

#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router {

// `doc` is a whole answer or one stream event. Its usage is the top-level "usage" object
// (Chat Completions, Completions, Embeddings, a whole Responses object) or the one inside
// "response" (the Responses API's response.completed / .incomplete / .failed events). Both
// namings are read: prompt_tokens / completion_tokens (+ *_details) and the Responses API's
// input_tokens / output_tokens (+ input_tokens_details / output_tokens_details, stored under
// the Chat Completions names, so pricing finds cached_tokens). Fields present overwrite
// `out`'s; a doc without a usage object leaves `out` as it was.
void ReadOpenAiUsage(const nlohmann::json& doc, v1::Usage* out);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_OPENAI_USAGE_H_
