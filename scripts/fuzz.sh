#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for
# SECONDS (default 20) from its seed corpus in fuzz/corpus/. New crashes fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
seconds=${1:-20}
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
if [[ ! -f build-fuzz/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLLMSROUTER_BUILD_TESTS=OFF -DLLMSROUTER_FUZZ=ON -DLLMSROUTER_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
fi
cmake --build build-fuzz -j"$(nproc)" --target sse_parser_fuzz request_codec_fuzz config_loader_fuzz model_name_fuzz
export ASAN_OPTIONS=detect_leaks=0
for target in sse_parser request_codec config_loader model_name; do
  work=$(mktemp -d)
  cp fuzz/corpus/$target/* "$work/"
  echo "fuzz: $target for ${seconds}s"
  status=0
  # Inputs up to a megabyte: hostile nesting needs room (a 200 KB body crashed a release).
  build-fuzz/bin/${target}_fuzz -max_total_time="$seconds" -max_len=1048576 \
    -print_final_stats=1 "$work" \
    > "$work.log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" "$work.log" || true
  if ((status != 0)); then
    tail -40 "$work.log" >&2
    echo "fuzz: $target found a problem (crash input saved in $PWD)" >&2
    exit 1
  fi
  rm -rf "$work" "$work.log"
done
