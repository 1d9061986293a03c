// A gRPC server stream fed by a CallPipe: one write in flight, a bounded queue, and
// backpressure to the upstream transfer when the client reads slowly.
#ifndef LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_
#define LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include "common/status_map.h"
#include "services/router/call_pipe.h"

namespace llmsrouter::router {

// Lifetime: deletes itself in OnDone, which gRPC calls only after Finish(), which the pipe
// calls only after the exchange completed.
template <typename Msg>
class StreamingReactor : public grpc::ServerWriteReactor<Msg>, public CallPipe<Msg> {
 public:
  void OnWriteDone(bool ok) override { this->WriteDone(ok); }
  void OnCancel() override { this->CancelByReader(); }
  void OnDone() override { delete this; }

 protected:
  void WriteMessage(Msg* message) override { this->StartWrite(message); }
  void CloseCall(const absl::Status& status) override { this->Finish(ToGrpcStatus(status)); }
};

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_STREAMING_REACTOR_H_
