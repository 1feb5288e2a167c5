#!/usr/bin/env bash
# docs/man/check-man.sh SRCROOT [NUMAPOOL-TOPO NUMAPOOL-BENCH]
# The man pages (test man_pages, label docs):
#   - each renders with man-db at 80 columns without a single warning
#     (`MANWIDTH=80 man --warnings -l PAGE`: groff's and man's own);
#   - each tool's page names every option its --help prints (with the built
#     tools as arguments);
#   - numapool(7) names every NUMAPOOL_* variable the library reads (every
#     getenv/secure_getenv("NUMAPOOL_...") under src/, numa/ and base/).
# Skips (77) when man-db is not installed (Debian: man-db).
set -euo pipefail
src=$1 topo=${2:-} bench=${3:-}
man=$src/docs/man
command -v man >/dev/null || { echo "skipped: man not found (Debian: man-db)"; exit 77; }
fail=0

for page in "$man"/numapool-topo.1 "$man"/numapool-bench.1 "$man"/numapool.7; do
  out=$(MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "$page" 2>&1 >/dev/null) || { echo "FAIL: man could not render $page"; fail=1; }
  if [[ -n $out ]]; then
    echo "FAIL: $(basename "$page") renders with warnings:"; echo "$out"; fail=1
  fi
  lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
  if (( lines < 40 )); then
    echo "FAIL: $(basename "$page") renders to $lines lines"; fail=1
  fi
  wide=$(MANWIDTH=80 man -l "$page" 2>/dev/null | awk 'length > 80' | head -3)
  if [[ -n $wide ]]; then
    echo "FAIL: $(basename "$page") has lines over 80 columns:"; echo "$wide"; fail=1
  fi
  echo "$(basename "$page"): $lines lines at 80 columns, no warning"
done

# the page's source with roff's \- as -, to look options up in
text_of() { sed 's/\\-/-/g' "$1"; }

check_options() {  # TOOL PAGE
  local tool=$1 page=$2 opts missing=()
  # (the options are read from --help's text; a sanitizer build's leak report
  # at exit is not this test's business)
  opts=$({ ASAN_OPTIONS=detect_leaks=0 "$tool" --help || true; } | grep -oE -- '--[a-z][a-z-]*' | sort -u || true)
  [[ -n $opts ]] || { echo "FAIL: $tool --help prints no option"; fail=1; return; }
  local text; text=$(text_of "$page")
  for o in $opts; do
    grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$text" || missing+=("$o")
  done
  if ((${#missing[@]})); then
    echo "FAIL: $(basename "$page") lacks options that $(basename "$tool") --help prints: ${missing[*]}"; fail=1
  else
    echo "$(basename "$page"): names all $(wc -w <<<"$opts") options of $(basename "$tool") --help"
  fi
}
if [[ -n $topo ]]; then
  check_options "$topo" "$man/numapool-topo.1"
  check_options "$bench" "$man/numapool-bench.1"
fi

vars=$(grep -rhoE 'getenv\("NUMAPOOL_[A-Z_]+"\)' "$src/src" "$src/numa" "$src/base" | grep -oE 'NUMAPOOL_[A-Z_]+' | sort -u)
[[ -n $vars ]] || { echo "FAIL: found no NUMAPOOL_* variable read under src/ numa/ base/"; fail=1; }
for v in $vars; do
  if ! awk -v v="$v" 'prev == ".TP" && $0 == ".B " v { found = 1 } { prev = $0 } END { exit !found }' "$man/numapool.7"; then
    echo "FAIL: numapool.7 has no entry for $v, which the library reads"; fail=1
  fi
done
echo "numapool.7: entries for $(echo $vars)"
exit $fail
