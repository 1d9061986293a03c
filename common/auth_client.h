// A client of the auth service, with a short-lived decision cache in front so that a key
// already seen costs no round trip. Used by the gateway (HTTP clients) and the router (direct
// gRPC clients) alike.
#ifndef LLMSROUTER_COMMON_AUTH_CLIENT_H_
#define LLMSROUTER_COMMON_AUTH_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth_info.h"
#include "common/clock.h"
#include "llmsrouter/auth/v1/auth.grpc.pb.h"

namespace llmsrouter {

// The key in "Authorization: Bearer <key>" (scheme case-insensitive), or "".
std::string BearerToken(std::string_view authorization);

class AuthClient {
 public:
  virtual ~AuthClient() = default;
  using AuthCallback = std::function<void(absl::StatusOr<AuthInfo>)>;
  using BypassCallback = std::function<void(absl::StatusOr<std::string>)>;
  // Callbacks may run on the calling thread (cache hit) or a gRPC thread.
  virtual void Authenticate(const std::string& api_key, const std::string& client,
                            AuthCallback done) = 0;
  // On success the caller's own cached decisions for `user` carry the new model at once (read
  // your own writes); other replicas see it within their cache ttl.
  // `api_key` proves `user` to the auth service.
  virtual void SetBypass(const std::string& api_key, const std::string& user,
                         const std::string& model, BypassCallback done) = 0;
  virtual void GetBypass(const std::string& api_key, const std::string& user,
                         BypassCallback done) = 0;
};

// AuthClient over gRPC. Successful decisions are cached for `ttl` (bounded by the auth
// service's own invalidation: a revocation takes effect within ttl + its version poll).
class GrpcAuthClient : public AuthClient {
 public:
  GrpcAuthClient(std::shared_ptr<grpc::Channel> channel, absl::Duration ttl,
                 const Clock* clock = &SystemClock::Get());
  void Authenticate(const std::string& api_key, const std::string& client,
                    AuthCallback done) override;
  void SetBypass(const std::string& api_key, const std::string& user, const std::string& model,
                 BypassCallback done) override;
  void GetBypass(const std::string& api_key, const std::string& user, BypassCallback done) override;

 private:
  void RememberBypass(const std::string& user, const std::string& model);

  struct Cached {
    AuthInfo info;
    absl::Time expires;
  };
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
  absl::Duration ttl_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace llmsrouter

#endif  // LLMSROUTER_COMMON_AUTH_CLIENT_H_
