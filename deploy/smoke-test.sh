#!/usr/bin/env bash
# Container smoke test: builds the images with podman, starts Redis and the four services as
# containers (host network), and runs the OpenAI SDK end-to-end suite against the gateway
# container. Needs podman; on this kind of machine ../shared/tools/container-sandbox.sh
# prepares it (run automatically when present).
set -euo pipefail
cd "$(dirname "$0")/.."
sandbox=../shared/tools/container-sandbox.sh
if ! command -v podman >/dev/null 2>&1 && [[ -x $sandbox ]]; then "$sandbox"; fi
[[ -x $sandbox ]] && "$sandbox" >/dev/null
command -v podman >/dev/null || { echo "smoke-test: podman is not available" >&2; exit 1; }

start=$(date +%s)
for target in gateway router auth tracer redis; do
  podman build -q --format docker -f deploy/Dockerfile --target "$target" -t "llmsrouter-$target" . >/dev/null
done
echo "smoke-test: images built in $(( $(date +%s) - start )) s"
podman images --format '{{.Repository}} {{.Size}}' | grep llmsrouter- | sort

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port); ROUTER_PORT=$(free_port); AUTH_PORT=$(free_port); TRACER_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
TOKEN=smoke-admin-token
REDIS_PASSWORD=smoke-redis-$RANDOM$RANDOM
work=$(mktemp -d)
names=()
cleanup() {
  for n in "${names[@]}"; do podman rm -f "$n" >/dev/null 2>&1 || true; done
  [[ -n ${FAKE_PID:-} ]] && kill "$FAKE_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

node tests/fake_upstream/fake_upstream.mjs --port 0 > "$work/fake.out" &
FAKE_PID=$!
for _ in $(seq 100); do grep -q listening "$work/fake.out" 2>/dev/null && break; sleep 0.1; done
FAKE_PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["listening"])' "$work/fake.out")
cat > "$work/config.yaml" <<YAML
servers:
  fake: {url: "http://127.0.0.1:${FAKE_PORT}/v1", append: ["gpt-fake"]}
YAML
chmod 644 "$work/config.yaml"

run() {
  local name=$1; shift
  names+=("$name")
  podman run -d --name "$name" --read-only "$@" >/dev/null
}
run smoke-redis --tmpfs /data:rw,mode=1777 -e REDIS_PASSWORD="$REDIS_PASSWORD" llmsrouter-redis --port "$REDIS_PORT"
run smoke-tracer -e LLMSROUTER_LISTEN=127.0.0.1:$TRACER_PORT llmsrouter-tracer
# The gateway proves itself to the router with the service token (no TLS in this test).
SERVICE_TOKEN=$(openssl rand -hex 24)
run smoke-router -e LLMSROUTER_LISTEN=127.0.0.1:$ROUTER_PORT -e TRACER_ADDR=127.0.0.1:$TRACER_PORT \
  -e AUTH_ADDR=127.0.0.1:$AUTH_PORT -e ENABLE_ACCOUNT_MANAGEMENT=true \
  -e LLMSROUTER_SERVICE_TOKEN=$SERVICE_TOKEN \
  -v "$work/config.yaml:/etc/llmsrouter/config.yaml:ro" llmsrouter-router
run smoke-auth -e LLMSROUTER_LISTEN=127.0.0.1:$AUTH_PORT -e AUTH_ADDR=127.0.0.1:$AUTH_PORT \
  -e REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0" -e LLMSROUTER_ADMIN_TOKEN=$TOKEN llmsrouter-auth
run smoke-gateway -e LLMSROUTER_LISTEN=127.0.0.1:$GATEWAY_PORT -e ROUTER_ADDR=127.0.0.1:$ROUTER_PORT \
  -e AUTH_ADDR=127.0.0.1:$AUTH_PORT -e TRACER_ADDR=127.0.0.1:$TRACER_PORT \
  -e ENABLE_ACCOUNT_MANAGEMENT=true -e LLMSROUTER_SERVICE_TOKEN=$SERVICE_TOKEN llmsrouter-gateway

for _ in $(seq 100); do
  podman exec smoke-gateway llmsrouter-probe http "127.0.0.1:$GATEWAY_PORT" /readyz >/dev/null 2>&1 && break
  sleep 0.2
done
KEY=$(podman exec -e LLMSROUTER_ADMIN_TOKEN=$TOKEN smoke-auth llmsrouter-admin add smoke --permissions '*' | grep '^llmr-')
(cd tests/e2e && npm install --no-audit --no-fund --loglevel=error >/dev/null)
LLMSROUTER_E2E_BASE_URL="http://127.0.0.1:$GATEWAY_PORT" LLMSROUTER_E2E_KEY="$KEY" \
  node --test --test-reporter=spec tests/e2e/containers.test.mjs
# The tracer (no Langfuse configured) writes each call as a JSON line on stdout.
traces=0
for _ in $(seq 100); do
  traces=$(podman logs smoke-tracer 2>/dev/null | grep -c '"request_id"' || true)
  (( traces >= 3 )) && break
  sleep 0.1
done
echo "smoke-test: traces written by the tracer container: $traces"
(( traces >= 3 )) || { echo "smoke-test: expected the calls to be traced" >&2; exit 1; }
echo "smoke-test: passed in $(( $(date +%s) - start )) s"
