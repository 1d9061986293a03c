// A request body that is still arriving while its upstream transfer runs (an upload streamed
// from the client): the HttpClient pulls it chunk by chunk instead of taking it whole.
#ifndef LLMSROUTER_SERVICES_ROUTER_REQUEST_BODY_H_
#define LLMSROUTER_SERVICES_ROUTER_REQUEST_BODY_H_

#include <cstddef>
#include <functional>

#include "absl/status/status.h"

namespace llmsrouter::router {

class RequestBodySource {
 public:
  struct Read {
    enum Kind {
      kData,   // `bytes` bytes were copied
      kWait,   // nothing yet: the transfer pauses its upload until the wake callback runs
      kEnd,    // the body is complete
      kAbort,  // the body will never be complete (see AbortStatus)
    };
    Kind kind = kWait;
    size_t bytes = 0;
  };

  virtual ~RequestBodySource() = default;
  // Called once by the HttpClient before the first ReadInto. After a ReadInto answered kWait,
  // the source calls `wake` once (from any thread, holding no lock) when it has more to give
  // (data, the end, or an abort). SetWake(nullptr) when the transfer ends: nothing more
  // to wake.
  virtual void SetWake(std::function<void()> wake) = 0;
  // Copies up to `max` (> 0) bytes into `out`. Called on the HttpClient's thread only.
  virtual Read ReadInto(char* out, size_t max) = 0;
  // Why the body stopped after kAbort (e.g. RESOURCE_EXHAUSTED over the size limit,
  // CANCELLED: the client went away); the transfer ends with this status.
  virtual absl::Status AbortStatus() = 0;
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_REQUEST_BODY_H_
