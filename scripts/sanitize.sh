#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with
# ASan) into build-asan/ and runs the whole test suite — unit tests and the end-to-end suite
# against the instrumented binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
if [[ ! -f build-asan/CMakeCache.txt ]]; then
  cmake -S . -B build-asan "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DLLMSROUTER_SANITIZE=ON
fi
cmake --build build-asan -j"$(nproc)"
(cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
# Reports go to files, one per process, so a finding in a server that a test stops (or that dies
# while nobody reads its stderr) is never lost; any report fails the run.
logs=$PWD/build-asan/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:log_path=$logs/asan
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan
export LLMSROUTER_E2E_SANITIZERS=1
status=0
(cd build-asan && ctest --output-on-failure "$@") || status=$?
if compgen -G "$logs/*" >/dev/null; then
  for f in "$logs"/*; do echo "=== sanitizer report $f"; cat "$f"; done
  echo "sanitize: sanitizer reports found (above)"
  exit 1
fi
exit "$status"
