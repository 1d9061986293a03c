// HttpPoster on libcurl's easy interface (one blocking request at a time).
#ifndef LLMSROUTER_SERVICES_TRACER_CURL_POSTER_H_
#define LLMSROUTER_SERVICES_TRACER_CURL_POSTER_H_

#include "services/tracer/trace_exporter.h"

namespace llmsrouter::tracer {

// Not thread-safe: one instance per exporting thread. Reuses its connection.
class CurlPoster : public HttpPoster {
 public:
  CurlPoster();
  ~CurlPoster() override;
  absl::StatusOr<Reply> Post(const std::string& url, const std::vector<std::string>& headers,
                             const std::string& body, absl::Duration timeout) override;

 private:
  void* curl_;
};

}  // namespace llmsrouter::tracer

#endif  // LLMSROUTER_SERVICES_TRACER_CURL_POSTER_H_
