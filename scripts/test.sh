#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests and end-to-end tests with the OpenAI SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
(cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
cd "${BUILD_DIR:-build}"
ctest --output-on-failure "$@"
