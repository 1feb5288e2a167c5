#!/usr/bin/env bash
# tools/run-tests.sh - build and pass the whole test suite: gcc release,
# clang release, asan (address+undefined), tsan, debug, valgrind, fuzz replays and a
# short fuzzing run, and the multi-node tests in the QEMU NUMA guest of
# tests/vm/run-in-numa-vm (with the gcc release build).  Installs what is
# missing first (QEMU among it: tools/deps.sh test).  As root, hugepage tests reserve
# what they need (and restore it).  With NPOOL_STRICT=1 (set by .ci/run) a
# skipped test fails the run, except a 1 GiB page the kernel refused.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test
jobs=$(nproc)
strict=${NPOOL_STRICT:-0}
t0=$(date +%s)
stage() { printf '\n=== [%s, +%ds] %s\n' "$(date +%T)" "$(( $(date +%s) - t0 ))" "$*"; }

# ctest, then refuse skips in strict mode (the 1 GiB test may skip only when the kernel refused)
run_ctest() {
  local dir=$1; shift
  local log; log=$(mktemp)
  local rc=0
  (cd "$dir" && ctest --output-on-failure "$@") 2>&1 | tee "$log" || rc=1
  [[ ${PIPESTATUS[0]} -eq 0 ]] || rc=1
  if [[ $strict == 1 ]]; then
    while read -r name; do
      if [[ $name == test_pages_1g ]] && grep -q "the kernel gave only" "$dir/Testing/Temporary/LastTest.log"; then
        echo "allowed skip: test_pages_1g (the kernel could not find a free 1 GiB page)"
        continue
      fi
      echo "FAIL: $name skipped in strict mode"; rc=1
    done < <(grep -oP '^\s*\d+/\d+ Test\s+#\d+: \K\S+(?= \.+\s*\*+Skipped)' "$log" || true)
  fi
  rm -f "$log"
  return $rc
}

stage "gcc release: build"
cmake --preset release >/dev/null
cmake --build --preset release -j"$jobs"
stage "layers: includes and calls only look down, no circle, no file over 700 lines"
/usr/bin/python3 tools/check-layers.py build/release

stage "gcc release: tests"
run_ctest build/release

stage "clang release: build and unit/api tests"
CC=clang CXX=clang++ cmake -S . -B build/clang -DCMAKE_BUILD_TYPE=Release -DNPOOL_WERROR=ON >/dev/null
cmake --build build/clang -j"$jobs"
run_ctest build/clang -LE 'numa-vm|stress'

stage "asan (address+undefined): build and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build/asan -LE "numa-vm|install|syscalls"

stage "tsan: build and tests"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j"$jobs"
TSAN_OPTIONS=halt_on_error=1 run_ctest build/tsan -LE "numa-vm|install|syscalls"

stage "debug (NPOOL_DEBUG=3: assertions, fill patterns, a full npool_check after every change): build and tests"
cmake --preset debug >/dev/null
cmake --build --preset debug -j"$jobs"
run_ctest build/debug -LE 'numa-vm|install|stress|syscalls'

stage "valgrind memcheck"
# (the ctests labelled valgrind, a use after put reported by memcheck, ran with the release tests)
for t in test_seed test_api test_freeset test_numapool_hpp; do
  valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    "build/release/tests/$t" >/dev/null
  echo "valgrind $t: clean"
done
# the tools, on their paths that end early too (help, a bad argument)
for args in "" "--json" "--nodes all" "--help" "--size nonsense"; do
  rc=0
  # shellcheck disable=SC2086
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    build/release/tools/numapool-topo $args >/dev/null 2>&1 || rc=$?
  if [[ $rc -eq 99 ]]; then echo "valgrind numapool-topo $args: memcheck errors" >&2; exit 1; fi
  echo "valgrind numapool-topo $args: clean (exit $rc)"
done

if [[ -x tests/fuzz/run-fuzz.sh ]]; then
  stage "fuzzing (short run)"
  tests/fuzz/run-fuzz.sh "${NPOOL_FUZZ_SECONDS:-60}"
fi

stage "done"
