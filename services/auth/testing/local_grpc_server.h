// Test helpers for the auth services: a real gRPC server on a free loopback port, and a worker
// pool's threads held busy until the test lets them go.
#ifndef LLMSROUTER_SERVICES_AUTH_TESTING_LOCAL_GRPC_SERVER_H_
#define LLMSROUTER_SERVICES_AUTH_TESTING_LOCAL_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/synchronization/notification.h"
#include "common/strings.h"
#include "common/worker_pool.h"

namespace llmsrouter::auth::testing {

struct LocalGrpcServer {
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;  // plaintext, to the server
};

inline LocalGrpcServer StartLocalGrpcServer(grpc::Service* service) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service);
  LocalGrpcServer out;
  out.server = builder.BuildAndStart();
  out.channel = grpc::CreateChannel(StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  return out;
}

// Posts a task that occupies one worker thread until `release` is notified; returns once it
// runs (false if the pool refused it).
inline bool HoldAWorker(WorkerPool& workers, absl::Notification& release) {
  absl::Notification busy;
  bool posted = workers
                    .Post([&busy, &release] {
                      busy.Notify();
                      release.WaitForNotification();
                    })
                    .ok();
  if (posted) busy.WaitForNotification();
  return posted;
}

}  // namespace llmsrouter::auth::testing

#endif  // LLMSROUTER_SERVICES_AUTH_TESTING_LOCAL_GRPC_SERVER_H_
