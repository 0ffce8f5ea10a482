#!/bin/bash
# CI's sanitizer pass: a second build tree (clang, -fsanitize=address,undefined, see
# HYPERPETSC_SANITIZE in CMakeLists.txt) that serves both
#   1. the unit tests (every gtest binary at 1 and 2 ranks, the fuzz seed corpora once)
#      and the CLI error tests at 2 ranks, and
#   2. each libFuzzer target for HP_FUZZ_SECONDS (default 36: five targets, 3 minutes) on
#      its seed corpus.
# A representative subset: every gtest binary at 3-4 ranks and the other data layouts
# under ASan on 2 shared cores take over 10 minutes; the regular tree runs them all.
# Usage: tests/sanitize/run.sh [BUILD_DIR]   (default: build-san)
set -u
cd "$(dirname "$0")/../.."
build="${1:-build-san}"
fuzz_seconds="${HP_FUZZ_SECONDS:-36}"

# MPI allocates once and never frees by design: leak reports would be noise.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

failed=""
# step NAME COMMAND...: runs it, prints its wall time, remembers a failure.
step() {
  local name="$1" start=$SECONDS
  shift
  echo "=== sanitize: $name"
  if ! "$@"; then failed="$failed $name"; fi
  echo "=== sanitize: $name took $((SECONDS - start)) s"
}

build_tree() {
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DHYPERPETSC_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHYPERPETSC_BENCH=OFF >/dev/null &&
    cmake --build "$build" -j"$(nproc)"
}

unit_tests() {
  ctest --test-dir "$build" --output-on-failure -j2 \
    -R '^(test_[a-z_]+_np[12]|cli_errors_np2|fuzz_[a-z]+_corpus)$' -E '_by_'
}

# fuzz TARGET: new inputs go to a scratch corpus, never into the source tree; a crash
# leaves its input in $build/fuzz-findings/ (replay: $build/fuzz/fuzz_TARGET FILE).
fuzz() {
  local target="$1" scratch
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/hp-fuzz-XXXXXX")"
  mkdir -p "$build/fuzz-findings"
  "$build/fuzz/fuzz_$target" "$scratch" "tests/fuzz/corpus/$target" \
    -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/fuzz-findings/$target-" -print_final_stats=1 2>&1 |
    grep -v -E '^#[0-9]+ +(NEW|REDUCE|pulse)'
  local rc=${PIPESTATUS[0]}
  rm -rf "$scratch"
  return "$rc"
}

step build build_tree
if [ -n "$failed" ]; then echo "sanitize: the build failed"; exit 1; fi
step unit_tests unit_tests
for target in libsvm csv idx settings sweep_spec; do step "fuzz_$target" fuzz "$target"; done

if [ -n "$failed" ]; then
  echo "sanitize: FAILED:$failed"
  exit 1
fi
echo "sanitize: all passed"
