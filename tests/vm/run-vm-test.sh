#!/bin/sh
# tests/vm/run-vm-test.sh - the host side of one numa-vm ctest test
# (tests/vm.cmake): empties the artifact folder, runs the NUMA VM runner
# (tests/vm/run-in-numa-vm) with the remaining arguments and exits with its
# status: the guest command's, 124 timeout, 125 runner or VM failure, and 77
# (skip, as ctest counts it) when a Debian package the runner needs is
# missing and cannot be installed because we are not root: the runner's
# message names the package.  As root the runner installs what is missing, so
# nothing skips there (and tools/run-tests.sh in strict mode fails any skip).
#
# usage: run-vm-test.sh RUNNER ARTIFACT_DIR [runner options] -- COMMAND...
runner=$1 artifacts=$2
shift 2
rm -rf "$artifacts" && mkdir -p "$artifacts" || exit 1
start=$(date +%s)
bash "$runner" --missing-status 77 --out "$artifacts" "$@"
rc=$?
echo "run-vm-test: runner exit status $rc after $(($(date +%s) - start)) s; artifacts in $artifacts"
[ "$rc" -eq 77 ] && echo "SKIP: a package the NUMA VM needs is missing and only root can install it (see above)"
for f in "$artifacts"/*.txt; do
    [ -f "$f" ] && echo "run-vm-test: artifact $f"
done
exit $rc
