#include "common/auth_client.h"

#include <optional>

#include "common/async_call.h"
#include "common/status_map.h"
#include "common/strings.h"

namespace llmsrouter {
namespace {

constexpr size_t kMaxCached = 10000;
constexpr auto kDeadline = std::chrono::seconds(3);

template <typename Request, typename Response>
using Call = AsyncCall<Request, Response>;

}  // namespace

std::string BearerToken(std::string_view authorization) {
  authorization = Trim(authorization);
  if (authorization.size() < 7 || Lower(authorization.substr(0, 7)) != "bearer ") return "";
  return std::string(Trim(authorization.substr(7)));
}

GrpcAuthClient::GrpcAuthClient(std::shared_ptr<grpc::Channel> channel, absl::Duration ttl,
                               const Clock* clock)
    : stub_(auth::v1::AuthService::NewStub(std::move(channel))), ttl_(ttl), clock_(clock) {}

void GrpcAuthClient::Authenticate(const std::string& api_key, const std::string& client,
                                  AuthCallback done) {
  std::optional<AuthInfo> cached;
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(api_key);
    if (it != cache_.end() && clock_->Now() < it->second.expires) cached = it->second.info;
  }
  if (cached) {
    done(*std::move(cached));
    return;
  }
  using C = Call<auth::v1::AuthenticateRequest, auth::v1::AuthenticateResponse>;
  auto call = std::make_shared<C>();
  call->context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  call->request.set_api_key(api_key);
  call->request.set_client(client);
  stub_->async()->Authenticate(
      &call->context, &call->request, &call->response,
      [this, call, api_key, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          absl::Status s = FromGrpcStatus(status);
          if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
              status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
            s = absl::UnavailableError(std::string("authentication is unavailable: ") +
                                       std::string(s.message()));
          }
          done(s);
          return;
        }
        const auto& r = call->response;
        AuthInfo info{r.user(),
                      {r.permissions().begin(), r.permissions().end()},
                      r.all_providers(),
                      r.bypass_model(),
                      r.limits()};
        if (ttl_ > absl::ZeroDuration()) {
          absl::MutexLock lock(&mu_);
          if (cache_.size() >= kMaxCached) cache_.clear();
          cache_[api_key] = Cached{info, clock_->Now() + ttl_};
        }
        done(std::move(info));
      });
}

void GrpcAuthClient::SetBypass(const std::string& api_key, const std::string& user,
                               const std::string& model, BypassCallback done) {
  using C = Call<auth::v1::SetBypassRequest, auth::v1::BypassResponse>;
  auto call = std::make_shared<C>();
  call->context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  call->request.set_api_key(api_key);
  call->request.set_user(user);
  call->request.set_model(model);
  stub_->async()->SetBypass(&call->context, &call->request, &call->response,
                            [this, call, user, done = std::move(done)](grpc::Status status) {
                              if (!status.ok()) return done(FromGrpcStatus(status));
                              RememberBypass(user, call->response.model());
                              done(call->response.model());
                            });
}

// The auth service may still answer from a decision it cached before the change (until its
// version poll), so the cached decisions of this user take the new model and a fresh lifetime
// instead of being dropped: this replica's next call obeys the change at once.
void GrpcAuthClient::RememberBypass(const std::string& user, const std::string& model) {
  absl::MutexLock lock(&mu_);
  for (auto& [key, cached] : cache_) {
    if (cached.info.user != user) continue;
    cached.info.bypass_model = model;
    cached.expires = clock_->Now() + ttl_;
  }
}

void GrpcAuthClient::GetBypass(const std::string& api_key, const std::string& user,
                               BypassCallback done) {
  using C = Call<auth::v1::GetBypassRequest, auth::v1::BypassResponse>;
  auto call = std::make_shared<C>();
  call->context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  call->request.set_api_key(api_key);
  call->request.set_user(user);
  stub_->async()->GetBypass(&call->context, &call->request, &call->response,
                            [call, done = std::move(done)](grpc::Status status) {
                              if (!status.ok()) return done(FromGrpcStatus(status));
                              done(call->response.model());
                            });
}

}  // namespace llmsrouter
