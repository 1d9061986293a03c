// Turns a CallRequest into the HTTP request for the chosen provider.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
#define LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/anthropic/translation.h"
#include "services/router/http_client.h"
#include "services/router/router_config.h"
#include "services/router/target.h"

namespace llmsrouter::router {

class UploadPipe;

struct PreparedCall {
  Target target;
  HttpRequest http;
  bool stream = false;
  std::string endpoint;
  // stream_options.include_usage was added by the router (see ProviderConfig::stream_usage).
  bool hide_usage_chunk = false;
  // Anthropic Messages <-> chat translation of this attempt (services/router/anthropic).
  Translation translation = Translation::kNone;
  // kChatToMessages: the chat client asked for the usage chunk.
  bool include_usage = false;
  // kMessagesToChat: what the answer's translation needs of the request.
  MessagesRequestFacts messages_facts;
  // Set when the router answers itself (a count_tokens estimate): no upstream request.
  std::optional<std::string> local_answer;
  // Routed without a model (by ?proxy= or an id) or carrying the gateway's ids: no fallbacks
  // to other providers (the ids are the chosen provider's only).
  bool pinned = false;
  // A multipart body (a file upload): sent again (a retry, another deployment, a fallback)
  // only while `upload_pipe` is set and no byte of it went upstream (upload_resend.h).
  bool upload = false;
  // A streamed upload's body (http.body_source), when routed from its first bytes.
  std::shared_ptr<UploadPipe> upload_pipe;
  // Non-empty: the answer's resource ids are handed out carrying this alias (resource_id.h).
  std::string id_alias;
  // A POST that creates or changes a stored resource (a batch, a cancel, a stored
  // response): not idempotent, so sent again only when it never left (kNotSent).
  bool resend_only_unsent = false;
  // The answer is a file's content (files/{id}/content): raw bytes, never rewritten.
  bool raw_answer = false;
};

// Validates the body (a JSON object, a multipart form or nothing), resolves the provider by
// the body's `model` ("[alias]model"), or without one by `proxy` or the provider the
// gateway's ids in the call carry (resource_id.h), rewrites `model` and those ids (the only
// changes made to the body) and builds the upstream request.
// INVALID_ARGUMENT for a malformed body or endpoint, NOT_FOUND for an unknown model alias.
// `model_override` ("[alias]model", for fallbacks) replaces the body's model and ignores
// the proxy parameter.
absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override = nullptr);

// A request body parsed once per call and shared by the trace and the upstream request
// (field order kept). Discarded (is_discarded()) when the body is not JSON.
using JsonBody = nlohmann::ordered_json;
JsonBody ParseBody(const std::string& body);
// The same, with the body already parsed by ParseBody(request.body()); consumes `body`.
// `resolver` checks the DNS name of an ad-hoc ?proxy= URL (see ResolveTarget).
absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request, JsonBody body,
                                         const std::string* model_override = nullptr,
                                         HostResolver* resolver = nullptr);

// How much of a streamed upload's body (issue 19) the call's `body()` holds.
struct UploadPrefix {
  // Most bytes held to find the `model` field before routing without it.
  size_t bound = 32 << 20;
  // `body()` is the whole body.
  bool complete = false;
  // The whole body's declared length (Content-Length), or -1 when sent chunked.
  int64_t body_size = -1;
};

// A streamed multipart upload routed from the first bytes of its body (request.body(): the
// prefix received so far). nullopt: the prefix ends before the `model` field's part and is
// below the bound, call again with more bytes. Else the call as PrepareCall makes it, except
// that `http.body` is the prefix to send first (the `model` value spliced to the upstream
// model, the gateway's ids decoded in the prefix's whole fields), the rest of the body
// following as received; `http.body_size` is the upstream Content-Length (the declared one
// moved by the same delta), -1 for chunked. Without `model` within the bound the call is
// routed by ?proxy= / X-LLMSRouter-Provider or an id, else INVALID_ARGUMENT names the bound.
// When `prefix.complete`, exactly PrepareCall (and `body_size` its body's length).
absl::StatusOr<std::optional<PreparedCall>> PrepareUploadCall(
    std::shared_ptr<const RouterConfig> config, const v1::CallRequest& request,
    const UploadPrefix& prefix, HostResolver* resolver = nullptr);

// The byte range [first, second) of the value of the top-level `key` in `json`, a JSON
// object already known to be valid; nullopt when absent or when a key is escaped.
// `*duplicate` (if given) is set when the key occurs more than once.
std::optional<std::pair<size_t, size_t>> TopLevelValueRange(std::string_view json,
                                                            std::string_view key,
                                                            bool* duplicate = nullptr);

// "<base>/<endpoint>" with the base exactly as configured.
std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPSTREAM_REQUEST_H_
