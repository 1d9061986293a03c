// Reversible provider-carrying ids. An id a provider created for a resource (a file, batch,
// stored response, upload, vector store) is handed to clients with its provider's alias
// inside, so that a later call that names the id routes back to that provider without any
// lookup table (every replica can decode it):
//
//   <prefix><kIdMarker><base64url(alias)>.<rest>      e.g. file-abc123 from provider "openai"
//                                                      -> file-llmsr.b3BlbmFp.abc123
//
// <prefix> is the original's type prefix up to and including its first '-' or '_' (file-,
// resp_, batch_, upload_, vs_), kept so that clients that look at prefixes still work. The
// form uses only URL-safe characters. Decoding removes the infix "llmsr.<alias>." again.
#ifndef LLMSROUTER_SERVICES_ROUTER_RESOURCE_ID_H_
#define LLMSROUTER_SERVICES_ROUTER_RESOURCE_ID_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace llmsrouter::router {

inline constexpr std::string_view kIdMarker = "llmsr.";

// The id as handed out to clients.
std::string EncodeResourceId(std::string_view alias, std::string_view id);

// Removes every id infix from `text` (a path, a query or a request body) in place and
// returns the alias the ids carry ("" when none). INVALID_ARGUMENT when ids of two different
// providers are mixed or an infix is malformed.
absl::StatusOr<std::string> DecodeResourceIds(std::string* text);

// The same in a JSON request body, but only inside the string values of id keys
// (IsIdKey), as EncodeResourceIdsInJson writes them: a prompt that quotes an id is left as
// it is and does not route the call.
absl::StatusOr<std::string> DecodeResourceIdsInJson(std::string* json);

// A key that names resource ids: "id", "*_id" or "*_ids".
bool IsIdKey(std::string_view key);

// INVALID_ARGUMENT (code mixed_providers): one call names ids of providers `first` and
// `second`.
absl::Status MixedProvidersError(std::string_view first, std::string_view second);

// True for endpoints whose answers carry ids of resources the provider stores
// ("files...", "batches...", "responses...", "uploads...", "vector_stores...").
bool EndpointHasResourceIds(std::string_view endpoint);

// Rewrites, in the JSON text (an answer body or SSE events), every string value of a key
// "id" or "*_id"/"*_ids" that is a resource id (exactly a known type: its prefix, then
// letters and digits only)
// into EncodeResourceId(alias, id). Everything else is left byte for byte. Returns whether
// anything changed.
bool EncodeResourceIdsInJson(std::string_view alias, std::string* json);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_RESOURCE_ID_H_
