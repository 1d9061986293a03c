#include "services/gateway/gateway_flags.h"

#include "common/graceful_stop.h"
#include "common/strings.h"

namespace llmsrouter::gateway {

std::vector<FlagSpec> GatewayFlagSpecs() {
  return {
      {"listen", "LLMSROUTER_LISTEN", "127.0.0.1:8000",
       "HTTP address of the OpenAI API (use 0.0.0.0:8000 to accept remote clients)."},
      {"threads", "LLMSROUTER_THREADS", "0", "HTTP I/O threads; 0 means one per core."},
      {"max-body-bytes", "LLMSROUTER_MAX_BODY_BYTES", "33554432",
       "Largest request body accepted; larger ones get 413. Uploads (multipart POSTs, "
       "streamed to the provider) have limits of their own: --max-upload-bytes, "
       "--upload-limits."},
      {"max-upload-bytes", "LLMSROUTER_MAX_UPLOAD_BYTES", "536870912",
       "Largest upload (a multipart POST under /v1/, streamed to the provider as it arrives, "
       "never held whole) on any endpoint; bytes or a number with KiB, MiB, GiB."},
      {"upload-limits", "LLMSROUTER_UPLOAD_LIMITS", "",
       "Per-endpoint upload limits over OpenAI's defaults (audio/transcriptions=25MiB, "
       "audio/translations=25MiB, images/edits=50MiB, images/variations=50MiB, "
       "uploads/parts=64MiB, files=512MiB; others: --max-upload-bytes), e.g. "
       "'audio/transcriptions=100MiB,files=1GiB'; each at most --max-upload-bytes."},
      {"keep-alive-timeout", "LLMSROUTER_KEEP_ALIVE_TIMEOUT", "75",
       "Seconds an idle keep-alive connection stays open."},
      {"header-timeout", "LLMSROUTER_HEADER_TIMEOUT", "30",
       "Seconds a new connection has to send a complete request head (slow-loris guard)."},
      {"body-idle-timeout", "LLMSROUTER_BODY_IDLE_TIMEOUT", "30",
       "Seconds an upload's client may send no body byte before it is answered 408 and its "
       "call cancelled (a gap between bytes, not the upload's total time)."},
      {"write-timeout", "LLMSROUTER_WRITE_TIMEOUT", "120",
       "Seconds a client may take to accept one write before it is dropped (a client that "
       "stopped reading its stream)."},
      {"cors-origins", "LLMSROUTER_CORS_ORIGINS", "",
       "Origins of web pages that may call the API from a browser (CORS), comma-separated "
       "(https://app.example.com,http://localhost:3000), or * for any; empty: none."},
      {"max-concurrent-calls", "LLMSROUTER_MAX_CONCURRENT_CALLS", "20000",
       "Calls (streams included) in flight beyond this get 503; 0 means no cap."},
      {"overhead-header", "LLMSROUTER_OVERHEAD_HEADER", "false",
       "Add X-LLMSRouter-Overhead-Ms (time added over the provider's) to non-streamed answers.",
       true},
      {"metrics-listen", "LLMSROUTER_METRICS_LISTEN", "",
       "HTTP address serving Prometheus /metrics on its own port (e.g. 0.0.0.0:9090); the API "
       "port then answers 404 for /metrics. Empty: /metrics on the API port."},
      {"trusted-proxies", "LLMSROUTER_TRUSTED_PROXIES", "",
       "Comma-separated CIDR blocks of reverse proxies whose X-Forwarded-For / Forwarded "
       "header names the client (for the failed-auth limiter); empty: the TCP peer."},
      {"drain-timeout", "LLMSROUTER_DRAIN_TIMEOUT", "30",
       "Seconds in-flight requests and streams may take to finish on SIGTERM."},
      DrainDelayFlagSpec(),
      {"", "ENABLE_ACCOUNT_MANAGEMENT", "false",
       "true: every /v1/* request needs 'Authorization: Bearer <key>' (users in Redis)."},
      {"", "ENABLE_BYPASS", "false", "true: users may set a model override (/api/user/bypass)."},
  };
}

absl::StatusOr<GatewayAppOptions> GatewayOptionsFrom(const Options& options) {
  GatewayAppOptions out;
  out.listen = options.Get("listen");
  uint64_t max_body = 0;
  int threads = 0;
  int keep_alive = 0;
  if (!ParseInt(options.Get("threads"), &threads) || threads < 0) {
    return absl::InvalidArgumentError("--threads must be a number >= 0");
  }
  if (!ParseInt(options.Get("max-body-bytes"), &max_body) || max_body == 0) {
    return absl::InvalidArgumentError("--max-body-bytes must be a positive number");
  }
  if (!ParseInt(options.Get("keep-alive-timeout"), &keep_alive) || keep_alive <= 0) {
    return absl::InvalidArgumentError("--keep-alive-timeout must be a positive number");
  }
  out.threads = threads;
  int drain = 30;
  if (!ParseInt(options.Get("drain-timeout"), &drain) || drain < 0) {
    return absl::InvalidArgumentError("--drain-timeout must be a number of seconds >= 0");
  }
  out.drain_timeout = absl::Seconds(drain);
  auto delay = DrainDelayFrom(options);
  if (!delay.ok()) return delay.status();
  out.drain_delay = *delay;
  if (!ParseInt(options.Get("max-concurrent-calls"), &out.gateway.max_concurrent_calls) ||
      out.gateway.max_concurrent_calls < 0) {
    return absl::InvalidArgumentError("--max-concurrent-calls must be a number >= 0");
  }
  out.gateway.accounts = options.GetBool("ENABLE_ACCOUNT_MANAGEMENT");
  out.gateway.bypass = options.GetBool("ENABLE_BYPASS");
  out.gateway.overhead_header = options.GetBool("overhead-header");
  out.limits.max_body_bytes = max_body;
  out.limits.keep_alive_timeout = absl::Seconds(keep_alive);
  int header_timeout = 30;
  if (!ParseInt(options.Get("header-timeout"), &header_timeout) || header_timeout <= 0) {
    return absl::InvalidArgumentError("--header-timeout must be a positive number");
  }
  out.limits.header_timeout = absl::Seconds(header_timeout);
  int body_idle_timeout = 30;
  if (!ParseInt(options.Get("body-idle-timeout"), &body_idle_timeout) || body_idle_timeout <= 0) {
    return absl::InvalidArgumentError("--body-idle-timeout must be a positive number");
  }
  out.limits.body_idle_timeout = absl::Seconds(body_idle_timeout);
  int write_timeout = 120;
  if (!ParseInt(options.Get("write-timeout"), &write_timeout) || write_timeout <= 0) {
    return absl::InvalidArgumentError("--write-timeout must be a positive number");
  }
  out.limits.write_timeout = absl::Seconds(write_timeout);
  auto trusted = TrustedProxies::Parse(options.Get("trusted-proxies"));
  if (!trusted.ok()) return trusted.status();
  out.gateway.trusted_proxies = *std::move(trusted);
  auto max_upload = ParseByteSize(options.Get("max-upload-bytes"));
  if (!max_upload.ok()) {
    return absl::InvalidArgumentError(
        StrCat("--max-upload-bytes: ", max_upload.status().message()));
  }
  auto uploads = UploadLimits::Create(*max_upload, options.Get("upload-limits"));
  if (!uploads.ok()) return uploads.status();
  out.gateway.uploads = *std::move(uploads);
  auto cors = CorsPolicy::Parse(options.Get("cors-origins"));
  if (!cors.ok()) return cors.status();
  out.gateway.cors = *std::move(cors);
  out.metrics_listen = options.Get("metrics-listen");
  return out;
}

}  // namespace llmsrouter::gateway
