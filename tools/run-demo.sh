#!/usr/bin/env bash
# tools/run-demo.sh - the main job: install what is missing, build the release
# preset, run the demo on the local node, then a short numapool-bench.
# As root it reserves 2 MiB hugepages for the run (restored afterwards) so
# that the pools really sit on hugepages; elsewhere they fall back and say so.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" >/dev/null
restore=""
if [[ $(id -u) -eq 0 && -w /proc/sys/vm/nr_hugepages ]]; then
  old=$(cat /proc/sys/vm/nr_hugepages)
  if (( old < 600 )); then
    restore="echo $old > /proc/sys/vm/nr_hugepages"
    trap 'eval "$restore"' EXIT
    echo 600 > /proc/sys/vm/nr_hugepages
  fi
fi
build/release/tools/numapool-demo "$@"
echo
if [[ -x build/release/tools/numapool-bench ]]; then
  build/release/tools/numapool-bench --quick
fi
