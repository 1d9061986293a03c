#include "services/router/anthropic/anthropic_call.h"

#include "common/json_fields.h"
#include "services/router/anthropic/chat_to_messages.h"
#include "services/router/anthropic/messages_to_chat.h"

namespace llmsrouter::router::anthropic {
namespace {

constexpr int64_t kImageTokens = 1600;

void CountText(const JsonBody& value, int64_t* bytes, int64_t* images) {
  if (value.is_string()) {
    *bytes += static_cast<int64_t>(value.get_ref<const std::string&>().size());
  } else if (value.is_object() && value.contains("type") && value["type"] == "image") {
    ++*images;
  } else if (value.is_structured()) {
    for (const auto& item : value) CountText(item, bytes, images);
  } else if (!value.is_null()) {
    *bytes += static_cast<int64_t>(value.dump().size());
  }
}

absl::Status EndpointError(std::string_view endpoint, const ProviderConfig& provider,
                           std::string_view protocol) {
  return WithOpenAiDetails(
      absl::InvalidArgumentError(StrCat("endpoint '", endpoint, "' cannot be served by provider '",
                                        provider.alias, "', which speaks ", protocol)),
      "model", "unsupported_endpoint");
}

}  // namespace

int64_t EstimateInputTokens(const JsonBody& request) {
  int64_t bytes = 0;
  int64_t images = 0;
  for (const char* key : {"system", "messages"}) {
    if (request.contains(key)) CountText(request[key], &bytes, &images);
  }
  if (request.contains("tools")) bytes += static_cast<int64_t>(request["tools"].dump().size());
  return std::max<int64_t>(1, (bytes + 3) / 4 + images * kImageTokens);
}

void AddAnthropicHeaders(const ProviderConfig& provider,
                         const google::protobuf::Map<std::string, std::string>& client_headers,
                         HeaderList* headers) {
  if (!provider.api_key.empty()) headers->emplace_back("x-api-key", provider.api_key);
  if (!client_headers.contains("anthropic-version")) {
    headers->emplace_back("anthropic-version", kDefaultAnthropicVersion);
  }
  for (const auto& [name, value] : client_headers) {
    if (name.starts_with("anthropic-")) headers->emplace_back(name, value);
  }
}

absl::StatusOr<std::string> AdaptCall(const JsonBody& body, std::string spliced,
                                      PreparedCall* call) {
  const ProviderConfig& provider = *call->target.provider;
  bool anthropic_provider = provider.type == ProviderType::kAnthropic;
  const std::string endpoint = call->endpoint;
  if (anthropic_provider && (endpoint == "messages" || endpoint == "messages/count_tokens")) {
    return spliced;  // same protocol: the client's bytes
  }
  if (anthropic_provider && endpoint == "chat/completions") {
    auto messages = ChatToMessages(body);
    if (!messages.ok()) return messages.status();
    call->endpoint = "messages";
    call->translation = Translation::kChatToMessages;
    const JsonBody* options = body.contains("stream_options") ? &body["stream_options"] : nullptr;
    call->include_usage = options != nullptr && JsonBool(*options, "include_usage");
    return Dump(*messages);
  }
  if (anthropic_provider) return EndpointError(endpoint, provider, "the Anthropic Messages API");
  if (endpoint != "messages" && endpoint != "messages/count_tokens") {
    return EndpointError(endpoint, provider, "the OpenAI API");
  }
  auto chat = MessagesToChat(body, provider.stream_usage);  // also validates a count_tokens request
  if (!chat.ok()) return chat.status();
  if (endpoint == "messages/count_tokens") {
    call->local_answer = Dump(JsonBody{{"input_tokens", EstimateInputTokens(body)}});
    return std::string();
  }
  call->endpoint = "chat/completions";
  call->translation = Translation::kMessagesToChat;
  call->messages_facts.input_tokens_estimate = EstimateInputTokens(body);
  if (const JsonBody& stops = body.value("stop_sequences", JsonBody()); stops.is_array()) {
    for (const auto& stop : stops)
      call->messages_facts.stop_sequences.push_back(stop.get<std::string>());
  }
  return Dump(*chat);
}

}  // namespace llmsrouter::router::anthropic
