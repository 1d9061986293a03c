// A scripted RouterClient for gateway tests: plays back messages one per Next().
#ifndef LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/gateway/router_client.h"

namespace llmsrouter::gateway {

class FakeRouterClient : public RouterClient {
 public:
  struct Script {
    std::vector<router::v1::CallResponse> messages;
    absl::Status status;
    // After the messages, wait for Cancel() instead of finishing (a router waiting out a
    // backoff or a provider slot); the cancel then finishes the call inside Cancel().
    bool hang = false;
  };
  // How StartUpload takes a body. Every `done` runs on a thread of the fake's own, never
  // inside Write. The script's messages are played once the body is complete (the last chunk
  // taken) or once `finish_after_chunks` chunks were taken; later Writes get done(false).
  struct UploadScript {
    int finish_after_chunks = -1;  // -1: take the whole body
    // Keep each Write's `done` until Cancel() (a router waiting for its upstream): Cancel()
    // then gives done(false) and finishes the call inside itself.
    bool hold_writes = false;
    // An answer that starts before the body's end (HTTP/1.1 allows it): once this many chunks
    // were taken, the script's first `early_messages` messages are played while the body is
    // still taken; the rest once the last chunk came. -1: off.
    int answer_after_chunks = -1;
    size_t early_messages = 0;
  };
  // What one StartUpload got.
  struct Upload {
    router::v1::CallRequest head;
    std::vector<std::string> chunks;
    bool last = false;  // the last chunk came
  };

  void SetScript(Script script) {
    absl::MutexLock lock(&mu_);
    script_ = std::move(script);
  }
  std::vector<router::v1::CallRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  void SetUploadScript(UploadScript script) {
    absl::MutexLock lock(&mu_);
    upload_script_ = script;
  }
  std::vector<Upload> uploads() {
    absl::MutexLock lock(&mu_);
    return uploads_;
  }
  ~FakeRouterClient() override {
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  bool ready = true;
  // Cancel() finishes the call at once, on the cancelling thread (OnFinish inside Cancel), as
  // the all-in-one's in-process router may. Off: the call finishes at the observer's next
  // Next(), as over gRPC.
  bool finish_inside_cancel = false;
  // Calls ended by Cancel().
  std::atomic<int> cancelled_calls{0};

  void StartCall(const router::v1::CallRequest& request,
                 std::shared_ptr<CallObserver> observer) override {
    Script script;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      script = script_;
    }
    auto stream = std::make_shared<Stream>(std::move(script), observer, finish_inside_cancel,
                                           &cancelled_calls);
    observer->Attach(stream);
    stream->Next();
  }
  std::shared_ptr<BodyWriter> StartUpload(const router::v1::CallRequest& head,
                                          std::shared_ptr<CallObserver> observer) override {
    Script script;
    UploadScript upload_script;
    size_t index;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(head);
      uploads_.push_back({head, {}, false});
      index = uploads_.size() - 1;
      script = script_;
      upload_script = upload_script_;
    }
    auto stream = std::make_shared<Stream>(std::move(script), observer, finish_inside_cancel,
                                           &cancelled_calls);
    auto upload = std::make_shared<UploadCall>(this, index, upload_script, std::move(stream),
                                               std::move(observer));
    upload->observer()->Attach(upload);
    return upload;
  }
  void ListModels(const router::v1::ListModelsRequest&, ModelsCallback done) override {
    router::v1::ListModelsResponse response;
    auto* model = response.add_models();
    model->set_id("[fake]m");
    model->set_owned_by("fake");
    done(response);
  }
  void CheckReady(std::function<void(bool)> done) override { done(ready); }

 private:
  // Calls the observer outside its lock, like the real clients; Next() and Cancel() after the
  // end do nothing.
  class Stream : public RouterStream {
   public:
    Stream(Script script, std::shared_ptr<CallObserver> observer, bool finish_inside_cancel,
           std::atomic<int>* cancelled_calls)
        : cancelled_calls_(cancelled_calls),
          pending_(script.messages.begin(), script.messages.end()),
          status_(std::move(script.status)),
          hang_(script.hang),
          observer_(std::move(observer)),
          finish_inside_cancel_(finish_inside_cancel) {}
    // Plays no more than `count` messages until Release().
    void HoldAfter(size_t count) {
      absl::MutexLock lock(&mu_);
      hold_after_ = count;
    }
    void Release() {
      {
        absl::MutexLock lock(&mu_);
        hold_after_ = SIZE_MAX;
        if (!held_next_) return;
        held_next_ = false;
      }
      Next();
    }
    void Next() override {
      std::optional<router::v1::CallResponse> message;
      std::optional<absl::Status> finish;
      std::shared_ptr<CallObserver> observer;
      {
        absl::MutexLock lock(&mu_);
        if (finished_) return;
        observer = observer_;
        if (!cancelled_ && pending_.empty() && hang_) {
          hanging_ = true;
          return;
        }
        if (!cancelled_ && played_ >= hold_after_) {
          held_next_ = true;
          return;
        }
        if (cancelled_ || pending_.empty()) {
          finished_ = true;
          finish = cancelled_ ? absl::CancelledError("cancelled") : status_;
          observer_.reset();  // the observer may keep this stream: no cycle
        } else {
          message = std::move(pending_.front());
          pending_.pop_front();
          ++played_;
        }
      }
      if (message) {
        observer->OnMessage(*std::move(message));
      } else {
        observer->OnFinish(*finish);
      }
    }
    void Cancel() override {
      std::shared_ptr<CallObserver> observer;
      {
        absl::MutexLock lock(&mu_);
        if (finished_ || cancelled_) return;
        cancelled_ = true;
        cancelled_calls_->fetch_add(1);
        if (!finish_inside_cancel_ && !hanging_ && !held_next_) return;
        finished_ = true;
        observer = std::move(observer_);
      }
      observer->OnFinish(absl::CancelledError("cancelled"));
    }

   private:
    std::atomic<int>* cancelled_calls_;
    absl::Mutex mu_;
    std::deque<router::v1::CallResponse> pending_ ABSL_GUARDED_BY(mu_);
    absl::Status status_;
    const bool hang_;
    bool hanging_ ABSL_GUARDED_BY(mu_) = false;
    size_t played_ ABSL_GUARDED_BY(mu_) = 0;
    size_t hold_after_ ABSL_GUARDED_BY(mu_) = SIZE_MAX;
    bool held_next_ ABSL_GUARDED_BY(mu_) = false;  // a Next() waits for Release()
    std::shared_ptr<CallObserver> observer_ ABSL_GUARDED_BY(mu_);
    const bool finish_inside_cancel_;
    bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
    bool finished_ ABSL_GUARDED_BY(mu_) = false;
  };

  // An upload: takes chunks per its UploadScript, then plays the call's script on `stream_`.
  class UploadCall : public RouterStream, public BodyWriter {
   public:
    UploadCall(FakeRouterClient* client, size_t index, UploadScript script,
               std::shared_ptr<Stream> stream, std::shared_ptr<CallObserver> observer)
        : client_(client),
          index_(index),
          script_(script),
          stream_(std::move(stream)),
          observer_(std::move(observer)) {}
    std::shared_ptr<CallObserver> observer() {
      absl::MutexLock lock(&mu_);
      return observer_;
    }
    void Write(std::string chunk, bool last, std::function<void(bool)> done) override {
      bool ok = false;
      bool play = false;
      bool release = false;
      bool early_now = false;
      {
        absl::MutexLock lock(&mu_);
        if (state_ == kTaking) {
          int taken = client_->Record(index_, std::move(chunk), last);
          ok = true;
          if (!early_ && taken == script_.answer_after_chunks) {
            early_ = true;  // the answer starts; the body is still taken
            early_now = play = true;
          }
          if (last && early_) {
            state_ = kPlaying;
            release = true;
            observer_.reset();
          } else if (early_) {
            // answering while taking: nothing more here
          } else if (last || taken == script_.finish_after_chunks) {
            state_ = kPlaying;
            play = true;
            ok = last;          // cut short after N chunks: the body is no longer taken
            observer_.reset();  // `stream_` holds it from now on
          } else if (script_.hold_writes) {
            held_ = std::move(done);
            return;
          }
        }
      }
      if (early_now) stream_->HoldAfter(script_.early_messages);
      client_->Run([done = std::move(done), ok, play, release, stream = stream_] {
        done(ok);
        if (play) stream->Next();  // the first message comes without a Next()
        if (release) stream->Release();
      });
    }
    void Next() override {
      if (Playing()) stream_->Next();
    }
    void Cancel() override {
      std::function<void(bool)> held;
      std::shared_ptr<CallObserver> observer;
      {
        absl::MutexLock lock(&mu_);
        if (state_ == kTaking) {
          state_ = kDone;
          held = std::move(held_);
          observer = std::move(observer_);
          if (early_) observer.reset();  // the answer's stream ends the call
        }
      }
      if (held) held(false);
      if (!observer) {  // playing its script (or done): the script's stream cancels
        stream_->Cancel();
        return;
      }
      client_->cancelled_calls.fetch_add(1);
      observer->OnFinish(absl::CancelledError("cancelled"));
    }

   private:
    enum State { kTaking, kPlaying, kDone };
    bool Playing() {
      absl::MutexLock lock(&mu_);
      return state_ == kPlaying || early_;
    }
    FakeRouterClient* client_;
    const size_t index_;
    const UploadScript script_;
    const std::shared_ptr<Stream> stream_;
    absl::Mutex mu_;
    State state_ ABSL_GUARDED_BY(mu_) = kTaking;
    bool early_ ABSL_GUARDED_BY(mu_) = false;  // answering before the body's end
    std::function<void(bool)> held_ ABSL_GUARDED_BY(mu_);
    std::shared_ptr<CallObserver> observer_ ABSL_GUARDED_BY(mu_);
  };

  // Records a chunk of upload `index`; returns how many it has now.
  int Record(size_t index, std::string chunk, bool last) {
    absl::MutexLock lock(&mu_);
    uploads_[index].chunks.push_back(std::move(chunk));
    uploads_[index].last = last;
    return static_cast<int>(uploads_[index].chunks.size());
  }
  // Runs `work` on a thread of the fake's own (joined when the fake goes).
  void Run(std::function<void()> work) {
    absl::MutexLock lock(&mu_);
    threads_.emplace_back(std::move(work));
  }

  absl::Mutex mu_;
  Script script_;
  UploadScript upload_script_;
  std::vector<router::v1::CallRequest> requests_;
  std::vector<Upload> uploads_;
  std::vector<std::thread> threads_;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_TESTING_FAKE_ROUTER_CLIENT_H_
