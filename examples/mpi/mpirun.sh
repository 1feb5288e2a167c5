#!/usr/bin/env bash
# examples/mpi/mpirun.sh - start an Open MPI job the way the tests and the
# examples need it on a development machine, a CI machine or a container:
#   mpirun.sh MPIEXEC CMA_CHECK [mpirun options] PROGRAM [ARGS...]
# MPIEXEC is mpirun (CMake's MPIEXEC_EXECUTABLE); CMA_CHECK is the
# mpi_cma_check program built beside the examples.  It adds:
#   --oversubscribe         more ranks than cores is allowed (a 1-core machine)
#   --allow-run-as-root     when run as root (CI is), which Open MPI refuses otherwise
#   --mca btl_vader_single_copy_mechanism none --mca osc pt2pt
#                           only when CMA_CHECK says that one process cannot
#                           read another's memory (process_vm_readv refused,
#                           as in a Docker container without CAP_SYS_PTRACE).
#                           Open MPI's shared-memory transport (vader) would
#                           then fail every large message ("Read -1, expected
#                           N, errno = 1") and every one-sided put ("Wrote -1"):
#                           with `none` it copies through its shared-memory
#                           segment instead, and one-sided operations go
#                           through osc pt2pt (puts as messages), because
#                           osc rdma, the default, needs the single copy.
#                           The same as environment variables:
#                           OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_osc=pt2pt
# A caller that sets OMPI_MCA_btl_vader_single_copy_mechanism itself keeps it.
set -euo pipefail
if (($# < 3)); then
  echo "usage: $0 MPIEXEC CMA_CHECK [mpirun options] PROGRAM [ARGS...]" >&2
  exit 2
fi
mpiexec=$1 cma_check=$2
shift 2
flags=(--oversubscribe)
[[ $(id -u) -eq 0 ]] && flags+=(--allow-run-as-root)
if [[ -z ${OMPI_MCA_btl_vader_single_copy_mechanism:-} ]]; then
  if ! why=$("$cma_check"); then
    echo "mpirun.sh: $why; using --mca btl_vader_single_copy_mechanism none --mca osc pt2pt" >&2
    flags+=(--mca btl_vader_single_copy_mechanism none --mca osc pt2pt)
  fi
fi
exec "$mpiexec" "${flags[@]}" "$@"
