#include "services/tracer/curl_poster.h"

#include <curl/curl.h>

#include "common/strings.h"

namespace llmsrouter::tracer {
namespace {

size_t Append(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t Header(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  if (Lower(line.substr(0, 12)) == "retry-after:") {
    *static_cast<std::string*>(user) = std::string(Trim(line.substr(12)));
  }
  return size * count;
}

}  // namespace

CurlPoster::CurlPoster() : curl_(curl_easy_init()) {}
CurlPoster::~CurlPoster() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

absl::StatusOr<HttpPoster::Reply> CurlPoster::Post(const std::string& url,
                                                   const std::vector<std::string>& headers,
                                                   const std::string& body,
                                                   absl::Duration timeout) {
  CURL* curl = static_cast<CURL*>(curl_);
  Reply reply;
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.retry_after);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(StrCat("export to ", url, " timed out"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(StrCat("export to ", url, ": ", curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  reply.status = static_cast<int>(status);
  return reply;
}

}  // namespace llmsrouter::tracer
