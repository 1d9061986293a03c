#!/usr/bin/env bash
# Installs the Debian packages needed to build, run and test LLMsRouter.
# Idempotent: when everything is already installed it returns in well under a second.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config ninja-build
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libcurl4-openssl-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libhiredis-dev
  libgtest-dev libgmock-dev libboost-dev libssl-dev libjemalloc-dev
  prometheus-cpp-dev  # only for bench/metrics (the metrics_bench target)
  redis-server python3 python3-grpcio python3-grpc-tools python3-protobuf python3-yaml python3-jsonschema
  nodejs npm curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node/npm may come from outside Debian on some machines; accept any working node.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p")
  done
  missing=("${filtered[@]}")
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
