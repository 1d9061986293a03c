#!/usr/bin/env bash
# Builds LLMsRouter, installs the load tools and contenders, and runs every benchmark.
# Extra arguments go to bench.mjs (--quick, --repeats N, --streams 1000,5000,10000).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
missing=()
for p in wrk hey nginx-light gnuplot-nox; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
(cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
(cd bench && npm install --no-audit --no-fund --loglevel=error)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec node bench/bench.mjs "$@"
