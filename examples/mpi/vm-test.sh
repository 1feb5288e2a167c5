#!/bin/sh
# examples/mpi/vm-test.sh - the host side of the test mpi_numa_vm_2nodes
# (tests/mpi.cmake): boots the 2-node QEMU NUMA guest through
# tests/vm/run-vm-test.sh (which skips, exit 77, when QEMU or another package
# of the runner is missing and only root could install it)
# with the staged programs and Open MPI's own files (the launcher and its
# daemon, the components it loads with dlopen, PMIx's, help texts, config),
# and runs vm-check.sh there.
#   vm-test.sh RUN_VM_TEST HARNESS ARTIFACTS STAGE
run_vm_test=$1 harness=$2 artifacts=$3 stage=$4
path() { ompi_info --path "$1" --parsable 2>/dev/null | sed -n 's/^path:[^:]*://p'; }
dirs=""
for d in "$(path pkglibdir)" "$(path pkgdatadir)" "$(path sysconfdir)"; do
    [ -d "$d" ] && dirs="$dirs -d $d:$d"
done
# PMIx loads its own components from a directory of its own
pmix=$(dpkg -L libpmix2 2>/dev/null | grep '/pmix_mca_[a-z0-9_]*\.so$' | head -1)
[ -n "$pmix" ] && dirs="$dirs -d $(dirname "$pmix"):$(dirname "$pmix")"
orterun=$(readlink -f "$(command -v mpirun)")
orted=$(command -v orted)
# --timeout: a hang guard sized for a loaded host, as tests/vm.cmake says
# shellcheck disable=SC2086
exec sh "$run_vm_test" "$harness" "$artifacts" -n 2 -c 2 -m 1G -H 16 --timeout 900 \
    -d "$stage:/guest" $dirs --bin "$orterun" --bin "$orted" \
    -e LD_LIBRARY_PATH=/guest -e TMPDIR=/tmp -e OMPI_MCA_plm=isolated \
    -- sh vm-check.sh
