// A scripted HttpClient: tests answer each started request by hand.
#ifndef LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_HTTP_CLIENT_H_
#define LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_HTTP_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/router/http_client.h"

namespace llmsrouter::router {

class FakeHttpClient : public HttpClient {
 public:
  struct Started {
    HttpRequest request;
    HttpResponseHandler* handler = nullptr;
    bool cancelled = false;
    bool resumed = false;
    bool done = false;
  };

  std::unique_ptr<HttpTransfer> Start(HttpRequest request, HttpResponseHandler* handler) override {
    started.push_back(std::make_shared<Started>(Started{std::move(request), handler}));
    auto transfer = std::make_unique<Transfer>(started.back(), complete_inside_cancel);
    if (fail_inside_start) Fail(started.size() - 1, *fail_inside_start);
    return transfer;
  }

  // Answers request `i` completely.
  void Respond(size_t i, int status, HeaderList headers, const std::string& body) {
    Started& s = *started.at(i);
    s.handler->OnHeaders(status, std::move(headers));
    if (!body.empty()) s.handler->OnData(body);
    s.done = true;
    s.handler->OnComplete(absl::OkStatus());
  }
  void Fail(size_t i, absl::Status status) {
    started.at(i)->done = true;
    started.at(i)->handler->OnComplete(std::move(status));
  }

  // Completes every unanswered request with CANCELLED, as the real client does on shutdown.
  void CancelPending() {
    for (auto& s : started) {
      if (s->done) continue;
      s->done = s->cancelled = true;
      s->handler->OnComplete(absl::CancelledError("client shut down"));
    }
  }

  std::vector<std::shared_ptr<Started>> started;
  // Cancel() completes the transfer at once, from inside the call (the dangerous order the
  // HttpTransfer contract allows). Off: the completion comes with CancelPending().
  bool complete_inside_cancel = false;
  // Start() fails each transfer with this before returning it (a failure that comes back
  // while the caller is still starting the transfer).
  std::optional<absl::Status> fail_inside_start;

 private:
  class Transfer : public HttpTransfer {
   public:
    Transfer(std::shared_ptr<Started> s, bool complete_inside_cancel)
        : s_(std::move(s)), complete_inside_cancel_(complete_inside_cancel) {}
    void Cancel() override {
      if (s_->done) return;
      s_->cancelled = true;
      if (!complete_inside_cancel_) return;
      s_->done = true;
      s_->handler->OnComplete(absl::CancelledError("upstream transfer cancelled"));
    }
    void Resume() override { s_->resumed = true; }

   private:
    std::shared_ptr<Started> s_;
    const bool complete_inside_cancel_;
  };
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_TESTING_FAKE_HTTP_CLIENT_H_
