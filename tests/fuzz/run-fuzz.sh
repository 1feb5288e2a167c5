#!/bin/sh
# tests/fuzz/run-fuzz.sh - build the libFuzzer targets with clang and run each
# harness for a time budget, starting from the committed corpus.
#
#   tests/fuzz/run-fuzz.sh [SECONDS_EACH [BUILD_DIR]]     (default 60, build/fuzz)
#
# New inputs go to BUILD_DIR/corpus/<harness>/, never into the committed
# corpus; a crash leaves BUILD_DIR/artifacts/<harness>-crash-* and makes the
# script exit non-zero, after printing how to replay it.  Once the bug is
# fixed, copy the input into tests/fuzz/corpus/<harness>/ (fuzz-replay runs
# it from then on).  Needs clang and libFuzzer (Debian: libclang-rt-dev).
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build/fuzz}
cc=${CC:-clang}
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DNPOOL_FUZZ=ON -DNPOOL_WERROR=ON -DNPOOL_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target fuzz_api fuzz_nodes

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for h in api nodes; do
    mkdir -p "$build/corpus/$h" "$build/artifacts"
    echo "== fuzz_$h for ${secs} s"
    # long inputs from the start: a pool costs a millisecond to create, its calls microseconds
    if ! "$build/tests/fuzz_$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=2048 -len_control=0 \
            -print_final_stats=1 -artifact_prefix="$build/artifacts/$h-" \
            "$build/corpus/$h" "$root/tests/fuzz/corpus/$h"; then
        echo "fuzz_$h found a crash: $build/artifacts/$h-*; replay with" >&2
        echo "  $build/tests/fuzz_$h $build/artifacts/$h-<file>" >&2
        status=1
    fi
done
exit $status
