#!/usr/bin/env bash
# readme-block.sh README FILE: the fenced code block that follows the line
# "<!-- example: FILE -->" in README must be FILE, line for line, so that
# the README shows the example a test compiles and runs.
set -euo pipefail
readme=$1 file=$2
root=$(cd "$(dirname "$readme")" && pwd)
marker="<!-- example: $file -->"
count=$(grep -cxF -- "$marker" "$readme" || true)
if [[ $count -ne 1 ]]; then
  echo "FAIL: $readme has $count lines '$marker' (want exactly 1)"
  exit 1
fi
block=$(mktemp)
trap 'rm -f "$block"' EXIT
# the marker, then a line opening a fence, then the block up to the closing fence
awk -v m="$marker" '
  found == 0 && $0 == m { found = 1; next }
  found == 1 { if ($0 !~ /^```/) { print "no fence after the marker" > "/dev/stderr"; exit 2 } found = 2; next }
  found == 2 { if ($0 == "```") exit 0; print }
' "$readme" >"$block"
if ! diff -u "$root/$file" "$block"; then
  echo "FAIL: the block after '$marker' in $readme differs from $file (diff above: - file, + README)"
  exit 1
fi
echo "ok: $readme shows $file as it is ($(wc -l <"$block") lines)"
