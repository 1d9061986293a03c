// The state of one asynchronous unary gRPC client call: its context, request and response
// live together (in a shared_ptr) until the completion callback has run.
#ifndef LLMSROUTER_COMMON_ASYNC_CALL_H_
#define LLMSROUTER_COMMON_ASYNC_CALL_H_

#include <grpcpp/grpcpp.h>

namespace llmsrouter {

template <typename Request, typename Response>
struct AsyncCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_ASYNC_CALL_H_
