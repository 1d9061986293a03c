#include "services/router/upstream_request.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/json_limits.h"
#include "common/status_map.h"
#include "common/strings.h"
#include "services/router/anthropic/anthropic_call.h"
#include "services/router/multipart.h"
#include "services/router/resource_id.h"

namespace llmsrouter::router {
namespace {

bool ValidEndpoint(std::string_view endpoint) {
  if (endpoint.empty() || endpoint.front() == '/' || Contains(endpoint, "..")) {
    return false;
  }
  for (char c : endpoint) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' &&
        c != '.')
      return false;
  }
  return true;
}

size_t SkipWhitespace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// `s[i]` is the opening quote; returns the index after the closing one.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// Returns the index after the value starting at `s[i]`.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') --depth;
      ++i;
      if (depth == 0) return i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\n' && s[i] != '\r')
    ++i;
  return i;
}

}  // namespace

std::optional<std::pair<size_t, size_t>> TopLevelValueRange(std::string_view json,
                                                            std::string_view key, bool* duplicate) {
  std::optional<std::pair<size_t, size_t>> found;
  size_t i = SkipWhitespace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  i = SkipWhitespace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    size_t key_end = SkipString(json, i);
    std::string_view name = json.substr(i + 1, key_end - i - 2);
    if (name.find('\\') != std::string_view::npos) return std::nullopt;  // escaped key: unsure
    i = SkipWhitespace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    size_t value = SkipWhitespace(json, i + 1);
    i = SkipValue(json, value);
    if (name == key) {
      if (found && duplicate != nullptr) *duplicate = true;
      found.emplace(value, i);  // the last one wins, as in the parsed body
    }
    i = SkipWhitespace(json, i);
    if (i < json.size() && json[i] == ',') i = SkipWhitespace(json, i + 1);
  }
  return found;
}

std::string UpstreamUrl(const ProviderConfig& provider, std::string_view endpoint) {
  return StrCat(provider.url, "/", endpoint);
}

JsonBody ParseBody(const std::string& body) { return ParseUntrustedJson<JsonBody>(body); }

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request,
                                         const std::string* model_override) {
  return PrepareCall(std::move(config), request, ParseBody(request.body()), model_override);
}

namespace {

// The call as the router reads it: the gateway's ids decoded in the endpoint, the query and
// the body, and what picks the provider.
struct CallView {
  std::string query;
  std::string body;
  std::string id_alias;  // the provider the ids carry ("" without ids)
  bool json = false;     // a JSON body (not multipart, not empty)
  std::optional<std::string> model;
};

// Adds the provider `found` names (from the ids of one part of the call) to `alias`.
absl::Status MergeIdAlias(absl::StatusOr<std::string> found, std::string* alias) {
  if (!found.ok()) return found.status();
  if (found->empty()) return absl::OkStatus();
  if (!alias->empty() && *alias != *found) return MixedProvidersError(*alias, *found);
  *alias = *std::move(found);
  return absl::OkStatus();
}

// Removes the gateway's id infixes from `text` (a path or query); `alias` gets the provider
// they name.
absl::Status DecodeIdsInto(std::string* text, std::string* alias) {
  if (text->find(kIdMarker) == std::string::npos) return absl::OkStatus();
  return MergeIdAlias(DecodeResourceIds(text), alias);
}

// A header value (from a direct gRPC client, unchecked by the gateway) without control
// characters: no CR/LF can smuggle a second header upstream.
bool ValidHeaderValue(std::string_view value) {
  for (char c : value) {
    if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool ValidQuery(std::string_view query) {
  for (char c : query) {
    if (c <= ' ' || c == '#' || c == 0x7f) return false;
  }
  return true;
}

// The value range of a multipart body's `model` field, if any.
absl::StatusOr<std::optional<std::pair<size_t, size_t>>> MultipartModelRange(
    const v1::CallRequest& request, std::string_view body) {
  auto boundary = MultipartBoundary(request.content_type());
  if (!boundary.ok()) return boundary.status();
  return FindMultipartField(body, *boundary, "model");
}

// Decodes the ids in a form's id fields (IsIdKey names), never in its files: an uploaded
// file goes upstream byte for byte, whatever text it holds.
// With `prefix`, `body` is the first bytes of a streamed form: only its whole parts count.
absl::Status DecodeIdsInForm(const v1::CallRequest& request, std::string* body, std::string* alias,
                             bool prefix = false) {
  auto boundary = MultipartBoundary(request.content_type());
  if (!boundary.ok()) return boundary.status();
  auto parts = prefix ? MultipartPartsInPrefix(*body, *boundary) : MultipartParts(*body, *boundary);
  if (!parts.ok()) return parts.status();
  for (auto part = parts->rbegin(); part != parts->rend(); ++part) {  // later offsets first
    std::string_view value = std::string_view(*body).substr(part->begin, part->end - part->begin);
    if (part->file || !IsIdKey(part->name) || value.find(kIdMarker) == std::string_view::npos) {
      continue;
    }
    std::string text(value);
    if (absl::Status s = DecodeIdsInto(&text, alias); !s.ok()) return s;
    body->replace(part->begin, part->end - part->begin, text);
  }
  return absl::OkStatus();
}

// A JSON body: an object with an optional string `model` and an optional boolean `stream`.
absl::Status ValidateJson(const JsonBody& body, PreparedCall* call, CallView* view) {
  if (body.is_discarded() || !body.is_object()) {
    return absl::InvalidArgumentError(
        "request body must be a JSON object (we could not parse your JSON body)");
  }
  auto model = body.find("model");
  if (model != body.end() && !model->is_string()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'model' is required and must be a string"),
                             "model", "");
  }
  if (model != body.end()) view->model = model->get<std::string>();
  auto stream = body.find("stream");
  if (stream != body.end() && !stream->is_boolean() && !stream->is_null()) {
    return WithOpenAiDetails(absl::InvalidArgumentError("'stream' must be a boolean"), "stream",
                             "");
  }
  call->stream = stream != body.end() && stream->is_boolean() && stream->get<bool>();
  return absl::OkStatus();
}

// The request as the client sent it: a valid endpoint and query, and a JSON object, a
// multipart form or no body. Sets `call->endpoint`, `call->stream` and `call->upload`.
absl::Status ValidateRequest(const v1::CallRequest& request, JsonBody& body, PreparedCall* call,
                             CallView* view);

// The request's head: a valid endpoint and query (the gateway's ids decoded) and content
// type. Sets `call->endpoint` and `call->upload`.
absl::Status ValidateHead(const v1::CallRequest& request, PreparedCall* call, CallView* view) {
  call->endpoint = request.endpoint();
  view->query = request.query();
  call->upload = IsMultipart(request.content_type());
  for (std::string* text : {&call->endpoint, &view->query}) {
    if (absl::Status s = DecodeIdsInto(text, &view->id_alias); !s.ok()) return s;
  }
  if (!ValidEndpoint(call->endpoint)) {
    return absl::InvalidArgumentError(StrCat("invalid endpoint '", request.endpoint(), "'"));
  }
  if (!ValidQuery(view->query)) return absl::InvalidArgumentError("invalid query string");
  if (!ValidHeaderValue(request.content_type())) {
    return absl::InvalidArgumentError("invalid content type (control characters)");
  }
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::CallRequest& request, JsonBody& body, PreparedCall* call,
                             CallView* view) {
  if (absl::Status s = ValidateHead(request, call, view); !s.ok()) return s;
  view->body = request.body();
  view->json = !call->upload && !view->body.empty();
  absl::Status decoded = call->upload
                             ? DecodeIdsInForm(request, &view->body, &view->id_alias)
                             : MergeIdAlias(DecodeResourceIdsInJson(&view->body), &view->id_alias);
  if (!decoded.ok()) return decoded;
  if (call->upload) {
    auto range = MultipartModelRange(request, view->body);
    if (!range.ok()) return range.status();
    if (*range) {
      view->model = view->body.substr((*range)->first, (*range)->second - (*range)->first);
    }
    return absl::OkStatus();
  }
  if (!view->json) return absl::OkStatus();
  if (view->body.size() != request.body().size()) body = ParseBody(view->body);  // ids decoded
  return ValidateJson(body, call, view);
}

absl::Status CheckPermitted(const v1::CallRequest& request, const Target& target) {
  if (!request.restrict_providers()) return absl::OkStatus();
  const auto& allowed = request.allowed_providers();
  if (std::find(allowed.begin(), allowed.end(), target.provider->alias) != allowed.end()) {
    return absl::OkStatus();
  }
  return WithOpenAiDetails(
      absl::PermissionDeniedError(
          target.adhoc  // its "alias" is the URL, credentials and all
              ? std::string("you are not permitted to use a URL in ?proxy=")
              : StrCat("you are not permitted to use provider '", target.provider->alias, "'")),
      "model", "provider_not_permitted");
}

// The ids in a call are the provider's own only for the provider that made them: a call
// that carries ids of provider X but names another ("[A]model", ?proxy=A, a bypass header)
// is refused rather than sending X's ids to A.
absl::Status CheckIdsReachTheirProvider(const CallView& view, const Target& target) {
  if (view.id_alias.empty()) return absl::OkStatus();
  if (!target.adhoc && target.provider->alias == view.id_alias) return absl::OkStatus();
  return WithOpenAiDetails(
      absl::InvalidArgumentError(
          StrCat("this call names ids of provider '", view.id_alias,
                 "' but is routed to another provider; a resource is reached only through the "
                 "provider that created it")),
      "", "mixed_providers");
}

absl::Status ProviderRequiredError(const RouterConfig& config) {
  return WithOpenAiDetails(
      absl::InvalidArgumentError(
          StrCat("this call names no provider: it has no 'model' (\"[alias]model\") and no id this "
                 "gateway handed out; add ?proxy=alias or the X-LLMSRouter-Provider: alias header "
                 "(providers: ",
                 config.AliasList(), ")")),
      "model", "provider_required");
}

// A call without a model goes where ?proxy= (or the X-LLMSRouter-Provider header) or the
// ids in it say.
absl::StatusOr<Target> ResolveWithoutModel(std::shared_ptr<const RouterConfig> config,
                                           const v1::CallRequest& request,
                                           const std::string& id_alias, HostResolver* resolver) {
  const std::string& proxy = request.proxy().empty() ? id_alias : request.proxy();
  if (proxy.empty()) return ProviderRequiredError(*config);
  // A placeholder model: the provider is all that is resolved.
  auto target = ResolveTarget(std::move(config), "-", proxy, resolver);
  if (target.ok()) target->requested_model = target->upstream_model = "";
  return target;
}

// The provider and upstream model for the call's model (or the override, or its routing
// without a model), if the caller may use it. Sets `call->pinned` for a call without a model
// or with ids; INVALID_ARGUMENT (mixed_providers) when its ids are another provider's.
absl::StatusOr<Target> ResolveAllowedTarget(std::shared_ptr<const RouterConfig> config,
                                            const v1::CallRequest& request, const CallView& view,
                                            const std::string* model_override,
                                            HostResolver* resolver, PreparedCall* call) {
  if (model_override == nullptr && !request.model_override().empty()) {
    model_override = &request.model_override();
  }
  absl::StatusOr<Target> target = absl::UnknownError("");
  if (model_override != nullptr) {
    target = ResolveTarget(std::move(config), *model_override, "");
  } else if (view.model) {
    // An id of the gateway's picks the provider of a plain model name ("gpt-4o").
    bool plain = !view.model->starts_with("[") && request.proxy().empty();
    target = ResolveTarget(std::move(config), *view.model,
                           plain ? std::string_view(view.id_alias) : request.proxy(), resolver);
  } else {
    target = ResolveWithoutModel(std::move(config), request, view.id_alias, resolver);
  }
  if (!target.ok()) return target.status();
  // A call naming a resource is bound to the provider that stores it: no fallbacks.
  call->pinned = (model_override == nullptr && !view.model) || !view.id_alias.empty();
  if (absl::Status s = CheckIdsReachTheirProvider(view, *target); !s.ok()) return s;
  if (absl::Status s = CheckPermitted(request, *target); !s.ok()) return s;
  return target;
}

// A multipart form goes upstream as sent, with the `model` field's value replaced.
std::string EditMultipart(const v1::CallRequest& request, CallView& view,
                          const PreparedCall& call) {
  if (!view.model || *view.model == call.target.upstream_model) return std::move(view.body);
  auto range = MultipartModelRange(request, view.body);  // found before: cannot fail
  view.body.replace((*range)->first, (*range)->second - (*range)->first,
                    call.target.upstream_model);
  return std::move(view.body);
}

// The body goes upstream as the client wrote it, with two possible edits spliced into the
// text: the model's value, and stream_options appended when the router asks for usage.
// Anything else (stream_options present but without include_usage, escaped keys) is
// re-serialized from the parsed body. Sets `call->hide_usage_chunk`.
absl::StatusOr<std::string> EditBody(CallView& view, JsonBody& body, PreparedCall* call) {
  std::string body_text = std::move(view.body);
  if (!view.json) return body_text;
  bool reserialize = false;
  if (view.model && *view.model != call->target.upstream_model) {
    bool duplicate = false;
    auto range = TopLevelValueRange(body_text, "model", &duplicate);
    if (duplicate) {  // a provider reading the first one would get the unrewritten model
      return WithOpenAiDetails(absl::InvalidArgumentError("'model' occurs twice in the body"),
                               "model", "");
    }
    std::string value = JsonBody(call->target.upstream_model).dump();
    if (range) {
      body_text.replace(range->first, range->second - range->first, value);
    } else {
      reserialize = true;
    }
    body["model"] = call->target.upstream_model;
  }
  if (call->stream && call->target.provider->stream_usage && call->endpoint == "chat/completions" &&
      call->target.provider->type == ProviderType::kOpenAi) {
    bool present = body.contains("stream_options");
    auto& options = body["stream_options"];
    if (!options.is_object()) options = nlohmann::ordered_json::object();
    auto include = options.find("include_usage");
    if (include == options.end() || !include->is_boolean() || !include->get<bool>()) {
      options["include_usage"] = true;
      call->hide_usage_chunk = true;
      size_t close = body_text.rfind('}');
      if (present || close == std::string::npos) {
        reserialize = true;
      } else {
        body_text.insert(close, ",\"stream_options\":{\"include_usage\":true}");
      }
    }
  }
  if (!reserialize) return body_text;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The chosen provider, and how its answer's ids and resends are handled.
void SetTarget(const v1::CallRequest& request, Target target, PreparedCall* call) {
  call->target = std::move(target);
  call->raw_answer = call->endpoint.ends_with("/content");
  call->resend_only_unsent = request.method() == "POST" && EndpointHasResourceIds(call->endpoint);
  if (!call->target.adhoc && !call->raw_answer && EndpointHasResourceIds(call->endpoint)) {
    call->id_alias = call->target.provider->alias;
  }
}

// The upstream HTTP request: method, URL, headers and timeouts of the chosen provider.
void BuildHttpRequest(const v1::CallRequest& request, const CallView& view, std::string body,
                      PreparedCall* call) {
  const ProviderConfig& provider = *call->target.provider;
  HttpRequest& http = call->http;
  http.method = request.method().empty() ? "POST" : request.method();
  http.resolve = call->target.pinned_resolve;
  http.url = UpstreamUrl(provider, call->endpoint);
  if (!view.query.empty()) StrAppend(&http.url, "?", view.query);
  http.body = std::move(body);
  if (call->upload) {
    http.headers.emplace_back("Content-Type", request.content_type());
  } else if (view.json) {
    http.headers.emplace_back("Content-Type", "application/json");
  }
  http.headers.emplace_back("Accept", call->stream ? "text/event-stream"
                                      : view.json  ? "application/json"
                                                   : "*/*");
  if (provider.type == ProviderType::kAnthropic) {
    anthropic::AddAnthropicHeaders(provider, request.client_headers(), &http.headers);
  } else if (!provider.api_key.empty()) {
    http.headers.emplace_back("Authorization", StrCat("Bearer ", provider.api_key));
  }
  if (!request.request_id().empty())
    http.headers.emplace_back("X-Request-Id", request.request_id());
  for (const auto& header : provider.headers) http.headers.push_back(header);
  http.connect_timeout = provider.timeouts.connect;
  http.first_byte_timeout = provider.timeouts.first_byte;
  http.idle_timeout = provider.timeouts.idle;
  http.total_timeout = provider.timeouts.total;
}

}  // namespace

absl::StatusOr<PreparedCall> PrepareCall(std::shared_ptr<const RouterConfig> config,
                                         const v1::CallRequest& request, JsonBody body,
                                         const std::string* model_override,
                                         HostResolver* resolver) {
  PreparedCall call;
  CallView view;
  if (absl::Status valid = ValidateRequest(request, body, &call, &view); !valid.ok()) return valid;
  auto target =
      ResolveAllowedTarget(std::move(config), request, view, model_override, resolver, &call);
  if (!target.ok()) return target.status();
  SetTarget(request, *std::move(target), &call);
  absl::StatusOr<std::string> upstream_body =
      call.upload ? EditMultipart(request, view, call) : EditBody(view, body, &call);
  if (!upstream_body.ok()) return upstream_body.status();
  if (!call.upload && anthropic::InvolvesAnthropic(call.endpoint, *call.target.provider)) {
    auto adapted = anthropic::AdaptCall(body, *std::move(upstream_body), &call);
    if (!adapted.ok()) return adapted.status();
    upstream_body = *std::move(adapted);
  }
  BuildHttpRequest(request, view, *std::move(upstream_body), &call);
  return call;
}

namespace {

// A streamed form whose `model` is not within the bound, and nothing else names a provider.
absl::Status ModelNotInPrefixError(size_t bound) {
  return WithOpenAiDetails(
      absl::InvalidArgumentError(
          StrCat("the 'model' field is not in the first ", bound,
                 " bytes of this multipart form, which is all the gateway reads before routing an "
                 "upload: send 'model' before the file, or add ?proxy=alias or the "
                 "X-LLMSRouter-Provider: alias header")),
      "model", "model_not_in_prefix");
}

// The `model` field of a streamed form's prefix (ids already decoded), or nullopt when more
// bytes are needed to know. Sets `view->model` when found.
// Forms of these endpoints carry no `model` in OpenAI's API: a streamed one is routed at once
// by ?proxy=, the header or the id in its path, never held to look for a model.
bool FormHasNoModel(std::string_view endpoint) {
  return endpoint == "files" ||
         (endpoint.starts_with("uploads/") && endpoint.ends_with("/parts")) ||
         (endpoint.starts_with("containers/") && endpoint.ends_with("/files"));
}

absl::StatusOr<std::optional<PrefixField>> ModelInPrefix(const RouterConfig& config,
                                                         const v1::CallRequest& request,
                                                         const UploadPrefix& prefix,
                                                         CallView* view) {
  auto boundary = MultipartBoundary(request.content_type());
  if (!boundary.ok()) return boundary.status();
  auto field = FindMultipartFieldInPrefix(view->body, *boundary, "model");
  if (!field.ok()) return field.status();
  if (field->kind == PrefixField::kFound) {
    view->model = view->body.substr(field->begin, field->end - field->begin);
  } else if (field->kind == PrefixField::kNeedMore) {
    bool named = !request.proxy().empty() || !view->id_alias.empty();
    if (FormHasNoModel(request.endpoint())) {
      // Routed now by what names the provider, or refused now as the whole-body path would.
      if (!named) return ProviderRequiredError(config);
    } else {
      if (request.body().size() < prefix.bound) return std::optional<PrefixField>();
      if (!named) return ModelNotInPrefixError(prefix.bound);
    }
  }
  return std::optional<PrefixField>(*field);
}

}  // namespace

absl::StatusOr<std::optional<PreparedCall>> PrepareUploadCall(
    std::shared_ptr<const RouterConfig> config, const v1::CallRequest& request,
    const UploadPrefix& prefix, HostResolver* resolver) {
  if (!IsMultipart(request.content_type())) {
    return absl::InvalidArgumentError("a streamed upload must be a multipart/form-data body");
  }
  if (prefix.complete) {  // the whole body is here: the call is prepared as any other
    auto call = PrepareCall(std::move(config), request, JsonBody(), nullptr, resolver);
    if (!call.ok()) return call.status();
    call->http.body_size = static_cast<int64_t>(call->http.body.size());
    return std::optional<PreparedCall>(*std::move(call));
  }
  PreparedCall call;
  CallView view;
  if (absl::Status s = ValidateHead(request, &call, &view); !s.ok()) return s;
  view.body = request.body();
  if (absl::Status s = DecodeIdsInForm(request, &view.body, &view.id_alias, /*prefix=*/true);
      !s.ok()) {
    return s;
  }
  auto field = ModelInPrefix(*config, request, prefix, &view);
  if (!field.ok()) return field.status();
  if (!*field) return std::optional<PreparedCall>();  // the prefix is not enough yet
  auto target = ResolveAllowedTarget(std::move(config), request, view, nullptr, resolver, &call);
  if (!target.ok()) return target.status();
  SetTarget(request, *std::move(target), &call);
  std::string head = std::move(view.body);
  if (view.model && *view.model != call.target.upstream_model) {
    head = SpliceRange(head, (**field).begin, (**field).end, call.target.upstream_model);
  }
  int64_t delta = static_cast<int64_t>(head.size()) - static_cast<int64_t>(request.body().size());
  BuildHttpRequest(request, view, std::move(head), &call);
  call.http.body_size = prefix.body_size < 0 ? -1 : prefix.body_size + delta;
  return std::optional<PreparedCall>(std::move(call));
}

}  // namespace llmsrouter::router
