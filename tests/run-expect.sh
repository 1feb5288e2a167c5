#!/usr/bin/env bash
# run-expect.sh EXPECTED COMMAND [ARGS...]: run the command; pass when it
# exits 0 and its standard output is exactly the file EXPECTED.
set -uo pipefail
expected=$1; shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out"
rc=$?
cat "$out"
if [[ $rc -ne 0 ]]; then
  echo "FAIL: $* exited with status $rc"
  exit 1
fi
if ! diff -u "$expected" "$out"; then
  echo "FAIL: the output above differs from $expected"
  exit 1
fi
echo "ok: the output is $expected"
