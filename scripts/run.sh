#!/usr/bin/env bash
# Sets up, builds and runs llmsrouter (all-in-one) on http://127.0.0.1:8000.
# On first run config.yaml is created from config.example.yaml. Extra arguments go to
# llmsrouter (see build/bin/llmsrouter --help).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
if [[ ! -f config.yaml ]]; then
  cp config.example.yaml config.yaml
  echo "run: created config.yaml from config.example.yaml — edit it to add your providers" >&2
fi
exec "${BUILD_DIR:-build}/bin/llmsrouter" --config config.yaml "$@"
