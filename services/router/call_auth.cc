#include "services/router/call_auth.h"

#include "common/user_limits.h"

namespace llmsrouter::router {

void CallAuthorizer::Authorize(const grpc::ServerContextBase& context, Done done) {
  bool trusted = trust_ != nullptr && trust_->IsTrusted(context);
  std::string authorization;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization.assign(it->second.data(), it->second.size());
  }
  Authorize(trusted, authorization, PeerAddress(context.peer()), std::move(done));
}

void CallAuthorizer::Authorize(bool trusted, std::string_view authorization,
                               const std::string& client, Done done) {
  CallerGrant grant;
  grant.bypass = options_.bypass;
  if (trusted) {
    grant.trusted = true;
    done(std::move(grant));
    return;
  }
  if (!options_.accounts || auth_ == nullptr) {
    done(std::move(grant));
    return;
  }
  auth_->Authenticate(BearerToken(authorization), client,
                      [grant, done = std::move(done)](absl::StatusOr<AuthInfo> info) mutable {
                        if (!info.ok()) return done(info.status());
                        grant.auth = *std::move(info);
                        done(std::move(grant));
                      });
}

void ApplyGrant(const CallerGrant& grant, v1::CallRequest* request) {
  if (grant.trusted) return;
  request->clear_user();
  request->clear_model_override();
  request->clear_limits();
  if (!grant.auth) return;
  const AuthInfo& auth = *grant.auth;
  request->set_user(auth.user);
  if (HasLimits(auth.limits)) *request->mutable_limits() = auth.limits;
  request->clear_allowed_providers();
  request->set_restrict_providers(!auth.all_providers);
  if (!auth.all_providers) {
    for (const auto& p : auth.permissions) request->add_allowed_providers(p);
  }
  if (grant.bypass && request->endpoint() == "chat/completions" && !auth.bypass_model.empty()) {
    request->set_model_override(auth.bypass_model);
  }
}

void ApplyGrant(const CallerGrant& grant, v1::ChatRequest* request) {
  if (grant.trusted || !grant.auth) return;
  request->set_user(grant.auth->user);
}

void ApplyGrant(const CallerGrant& grant, v1::ListModelsRequest* request) {
  if (grant.trusted || !grant.auth) return;
  request->clear_providers();
  request->set_restrict(!grant.auth->all_providers);
  if (!grant.auth->all_providers) {
    for (const auto& p : grant.auth->permissions) request->add_providers(p);
  }
}

std::string PeerAddress(std::string_view peer) {
  size_t scheme = peer.find(':');
  if (scheme != std::string_view::npos && peer.substr(0, scheme).starts_with("ipv")) {
    peer.remove_prefix(scheme + 1);
    size_t port = peer.rfind(':');
    if (port != std::string_view::npos) peer = peer.substr(0, port);
    if (peer.size() >= 2 && peer.front() == '[' && peer.back() == ']') {
      peer = peer.substr(1, peer.size() - 2);
    }
  }
  return std::string(peer);
}

}  // namespace llmsrouter::router
