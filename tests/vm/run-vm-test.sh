#!/bin/sh
# tests/vm/run-vm-test.sh - the host side of one numa-vm ctest test
# (tests/vm.cmake): skips (exit 77, saying why) when the NUMA VM harness of
# ../shared/numa-vm is absent, as in a user's fresh clone; otherwise empties
# the artifact folder, runs the harness with the remaining arguments and
# exits with its status (the guest command's, 124 timeout, 125 harness).
#
# usage: run-vm-test.sh HARNESS ARTIFACT_DIR [harness options] -- COMMAND...
harness=$1 artifacts=$2
shift 2
if [ ! -f "$harness" ]; then
    echo "SKIP: the NUMA VM harness $harness is absent (it lives in the project's shared/ folder, not in a clone);"
    echo "SKIP: these multi-node tests need it to boot a multi-node QEMU guest."
    exit 77
fi
rm -rf "$artifacts" && mkdir -p "$artifacts" || exit 1
start=$(date +%s)
bash "$harness" --out "$artifacts" "$@"
rc=$?
echo "run-vm-test: harness exit status $rc after $(($(date +%s) - start)) s; artifacts in $artifacts"
for f in "$artifacts"/*.txt; do
    [ -f "$f" ] && echo "run-vm-test: artifact $f"
done
exit $rc
