// Client headers the gateway forwards to the router for model groups' session affinity
// (CallRequest.affinity_headers); a group's `affinity: {header: ...}` names one of them.
#ifndef LLMSROUTER_COMMON_AFFINITY_HEADERS_H_
#define LLMSROUTER_COMMON_AFFINITY_HEADERS_H_

#include <cstddef>
#include <string_view>

namespace llmsrouter {

// Lower-case names.
inline constexpr std::string_view kAffinityHeaders[] = {"x-session-id", "x-affinity-key"};
// Longer values are not forwarded (the call is then balanced without affinity).
inline constexpr size_t kMaxAffinityKeyBytes = 256;

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_AFFINITY_HEADERS_H_
