// The gateway's view of the router. An interface so that HTTP handling can be tested with a
// fake and so that the all-in-one binary can plug in an in-process channel.
#ifndef LLMSROUTER_SERVICES_GATEWAY_ROUTER_CLIENT_H_
#define LLMSROUTER_SERVICES_GATEWAY_ROUTER_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::gateway {

class RouterStream;

// Receives one streamed call. Calls never overlap, and never come while the caller holds a
// lock of its own: they may come from the thread that started the call (the all-in-one's I/O
// thread owns the call), from a gRPC thread, or from inside RouterStream::Cancel().
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Called once, before any other call, with the stream's control. The observer may keep it
  // as long as it likes; the stream stays valid while anyone holds it.
  virtual void Attach(std::shared_ptr<RouterStream> stream) = 0;
  // After each message the observer must call RouterStream::Next() (also after Cancel()).
  virtual void OnMessage(router::v1::CallResponse message) = 0;
  // The last call: OK after a complete stream, else the router's error or CANCELLED. May run
  // inside StartCall() or inside Cancel(), on the calling thread.
  virtual void OnFinish(absl::Status status) = 0;
};

// Control of one streamed call. Thread-safe; both methods are no-ops once the call finished.
class RouterStream {
 public:
  virtual ~RouterStream() = default;
  // Asks for the next message (flow control: one message at a time).
  virtual void Next() = 0;
  // Cancels the call; the router stops the upstream transfer and OnFinish(CANCELLED) follows,
  // possibly before Cancel() returns. Safe from any thread, in any state, and from inside the
  // observer's own callbacks; the caller must not hold a lock that OnFinish takes.
  virtual void Cancel() = 0;
};

// The body of an upload (issue 19), sent after RouterClient::StartUpload in chunks, with flow
// control: one Write at a time, the next only after its `done`. Thread-safe.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends the body's next chunk; `last`: the body ends with it (an empty chunk may carry it).
  // `done` runs once, never inside Write (on a thread of the client's, holding no lock):
  // true when the router takes the next chunk; false when the call no longer takes the body
  // (it finished, was cancelled or failed; OnFinish says why): stop reading the body.
  virtual void Write(std::string chunk, bool last, std::function<void(bool ok)> done) = 0;
};

class RouterClient {
 public:
  virtual ~RouterClient() = default;
  // Starts a call; its control reaches the observer through Attach(), and the first message
  // arrives without calling Next(). The observer is kept alive until OnFinish returns. The
  // call may finish before this returns.
  virtual void StartCall(const router::v1::CallRequest& request,
                         std::shared_ptr<CallObserver> observer) = 0;
  // Starts a call whose body follows through the returned writer instead of being in
  // `head.body()` (empty): a multipart upload streamed as it arrives; `head.content_type()`
  // is set and `head.body_size()` is the declared length (absent when sent chunked). The
  // observer's contract is StartCall's. The call may finish before the body is complete (it
  // could not be routed, the upstream answered early, Cancel()): a pending or later Write's
  // `done` then gets false. To give up the upload, Cancel() the stream: the upstream request
  // is cut short, never completed.
  virtual std::shared_ptr<BodyWriter> StartUpload(const router::v1::CallRequest& head,
                                                  std::shared_ptr<CallObserver> observer) = 0;
  using ModelsCallback = std::function<void(absl::StatusOr<router::v1::ListModelsResponse>)>;
  // Callback runs on a gRPC thread.
  virtual void ListModels(const router::v1::ListModelsRequest& request, ModelsCallback done) = 0;
  // True when the router answers its health check within a second.
  virtual void CheckReady(std::function<void(bool)> done) = 0;
};

}  // namespace llmsrouter::gateway

#endif  // LLMSROUTER_SERVICES_GATEWAY_ROUTER_CLIENT_H_
