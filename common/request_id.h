// Request ids for correlation across services, logs and traces.
#ifndef LLMSROUTER_COMMON_REQUEST_ID_H_
#define LLMSROUTER_COMMON_REQUEST_ID_H_

#include <string>
#include <string_view>

namespace llmsrouter {

// 32 random hex characters ("req_" prefixed). Thread-safe.
std::string NewRequestId();
// A client-supplied id is kept when it is 1..128 printable characters without spaces.
bool AcceptableRequestId(std::string_view id);

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_REQUEST_ID_H_
