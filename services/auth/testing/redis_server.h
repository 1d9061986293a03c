// The real redis-server for tests now lives in common/testing (the router's tests use it too).
#ifndef LLMSROUTER_SERVICES_AUTH_TESTING_REDIS_SERVER_H_
#define LLMSROUTER_SERVICES_AUTH_TESTING_REDIS_SERVER_H_

#include "common/testing/redis_server.h"

namespace llmsrouter::auth::testing {
using ::llmsrouter::testing::RedisServer;
}  // namespace llmsrouter::auth::testing

#endif  // LLMSROUTER_SERVICES_AUTH_TESTING_REDIS_SERVER_H_
