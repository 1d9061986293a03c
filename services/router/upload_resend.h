// Sending a streamed upload again (a retry, another deployment of its group, a fallback)
// while no byte of it went upstream (UploadPipe::started()): the pipe still holds the whole
// routed prefix, which is rewritten for the new target.
#ifndef LLMSROUTER_SERVICES_ROUTER_UPLOAD_RESEND_H_
#define LLMSROUTER_SERVICES_ROUTER_UPLOAD_RESEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "llmsrouter/router/v1/router.pb.h"
#include "services/router/host_resolver.h"
#include "services/router/router_config.h"
#include "services/router/upstream_request.h"

namespace llmsrouter::router {

// Whether `call` (which failed before its answer) may be sent again: not an upload, or a
// streamed one none of whose bytes went upstream.
bool UploadUnsent(const PreparedCall& call);

// `current`'s upload prepared for `model` ("[alias]model"; `head`: the call without its body):
// the pipe's first chunk gets that target's model. FAILED_PRECONDITION when a byte already
// went upstream or the body is not streamed; the errors of PrepareUploadCall (e.g. the user
// may not use that provider). On the call's thread, while no transfer reads the pipe.
absl::StatusOr<PreparedCall> ReprepareUpload(std::shared_ptr<const RouterConfig> config,
                                             const v1::CallRequest& head,
                                             const PreparedCall& current, const std::string& model,
                                             HostResolver* resolver);

}  // namespace llmsrouter::router

#endif  // LLMSROUTER_SERVICES_ROUTER_UPLOAD_RESEND_H_
