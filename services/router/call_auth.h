// Who may call the router and with which request fields. The gateway proves it is the
// gateway (service token or mTLS certificate, see common/service_identity.h) and its trusted
// fields — user, provider restriction, model override — stand. Anyone else is a direct
// client: with accounts on it needs "authorization: Bearer <key>", checked through the auth
// service exactly as the gateway checks HTTP clients, and those fields come from its key.
#ifndef LLMSROUTER_SERVICES_ROUTER_CALL_AUTH_H_
#define LLMSROUTER_SERVICES_ROUTER_CALL_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth_client.h"
#include "common/service_identity.h"
#include "llmsrouter/router/v1/router.pb.h"

namespace llmsrouter::router {

struct CallAuthOptions {
  // ENABLE_ACCOUNT_MANAGEMENT: direct clients need a key (needs an AuthClient).
  bool accounts = false;
  // ENABLE_BYPASS: a direct client's User-Bypass model replaces the model of its chat calls.
  bool bypass = false;
};

// The outcome for one caller.
struct CallerGrant {
  // A proven gateway: the request stands as sent.
  bool trusted = false;
  // A direct client's decision from its key (accounts on).
  std::optional<AuthInfo> auth;
  // Whether User-Bypass applies (copied from the options).
  bool bypass = false;
};

// Thread-safe; `trust` and `auth` are not owned and must outlive it.
class CallAuthorizer {
 public:
  using Done = std::function<void(absl::StatusOr<CallerGrant>)>;
  // `auth` may be null only when accounts are off.
  CallAuthorizer(CallAuthOptions options, const CallerTrust* trust, AuthClient* auth)
      : options_(options), trust_(trust), auth_(auth) {}

  // Decides for one incoming RPC. `done` runs exactly once: on this thread when the answer
  // needs no lookup, otherwise on a gRPC client thread. Errors are the auth service's:
  // UNAUTHENTICATED (no, unknown or disabled key), RESOURCE_EXHAUSTED (too many failures
  // from the client's address), UNAVAILABLE (auth service or its store unreachable).
  void Authorize(const grpc::ServerContextBase& context, Done done);
  // The same, from what the context carries: whether the caller proved it is the gateway,
  // its "authorization" metadata and its address.
  void Authorize(bool trusted, std::string_view authorization, const std::string& client,
                 Done done);

 private:
  CallAuthOptions options_;
  const CallerTrust* trust_;
  AuthClient* auth_;
};

// Rewrite the fields a direct client may not choose from its grant (no change for a trusted
// caller). Without accounts a direct client gets no user and no model override; a provider
// restriction it sets on itself can only narrow what it reaches, so it stays.
void ApplyGrant(const CallerGrant& grant, v1::CallRequest* request);
void ApplyGrant(const CallerGrant& grant, v1::ChatRequest* request);
void ApplyGrant(const CallerGrant& grant, v1::ListModelsRequest* request);

// "ipv4:10.0.0.7:51234" -> "10.0.0.7" (the failure limit counts per address, not per port).
std::string PeerAddress(std::string_view peer);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_CALL_AUTH_H_
