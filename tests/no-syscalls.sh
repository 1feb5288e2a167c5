#!/usr/bin/env bash
# The get/put path makes no system call: strace counts the same calls for
# 10 rounds and for 100000 rounds of np_loop (300 gets, 300 puts, a bulk of 32
# each, so refills and flushes under the node lock are included).
set -euo pipefail
loop=$1
command -v strace >/dev/null || { echo "SKIP: strace is not installed (Debian: strace)"; exit 77; }
count() {
  local out; out=$(mktemp)
  strace -f -c -o "$out" "$loop" "$1" >/dev/null
  awk '$NF == "total" { print $(NF-2) }' "$out"
  rm -f "$out"
}
small=$(count 10)
big=$(count 100000)
echo "system calls: $small for 10 rounds, $big for 100000 rounds"
[[ -n $small && $small == "$big" ]]
