#!/bin/sh
# examples/mpi/vm-check.sh - runs inside the 2-node QEMU NUMA guest
# (tests/mpi.cmake, test mpi_numa_vm_2nodes; busybox sh) and checks the
# README's recipe on a real multi-node kernel:
#   mpirun --map-by numa --bind-to core, one pool per rank, nodes "local":
#     each rank's pool is on the node of its core, and the two ranks are on
#     the two nodes (numapool-bench-mpi --json), and the bench fails when
#     NUMAPOOL_NODES=0 forces the pool of the rank on node 1 onto node 0;
#   onesided across the two nodes, then with one rank's pool on both nodes
#     and the other's on one (different arena counts, MPMD);
#   halo across the two nodes.
# Prints "mpi-vm: N passed, M failed"; exits 1 when one failed.
hostname numavm 2>/dev/null     # Open MPI refuses the guest's "(none)"
mkdir -p /tmp
ip link set lo up 2>/dev/null
run="/usr/bin/orterun --allow-run-as-root --map-by numa --bind-to core"
pass=0 fail=0
check() { # check NAME CONDITION-OUTPUT...: pass when the command succeeded
    if [ "$1" = ok ]; then pass=$((pass + 1)); echo "PASS: $2"; else fail=$((fail + 1)); echo "FAIL: $2"; fi
}
has() { grep -q -- "$2" "$1" && echo ok || echo no; }

$run --report-bindings -np 2 ./numapool-bench-mpi --quick --reps 1 --json /tmp/bench.json >/tmp/bench.txt 2>&1
rc=$?
cat /tmp/bench.txt /tmp/bench.json
check "$([ $rc = 0 ] && echo ok)" "numapool-bench-mpi ran (exit $rc)"
check "$(has /tmp/bench.json '"cpu_node": 0, "pool_node": 0,')" "a rank bound to node 0 has its pool on node 0"
check "$(has /tmp/bench.json '"cpu_node": 1, "pool_node": 1,')" "a rank bound to node 1 has its pool on node 1"

# the check has teeth: every pool forced onto node 0, the rank on node 1 is caught
$run -x NUMAPOOL_NODES=0 -np 2 ./numapool-bench-mpi --quick --reps 1 >/tmp/bench0.txt 2>&1
rc=$?
cat /tmp/bench0.txt
check "$([ $rc != 0 ] && echo ok)" "numapool-bench-mpi fails when a pool is not on its rank's node (exit $rc)"
check "$(has /tmp/bench0.txt 'ERROR: 1 rank(s) have their pool on another node')" "and says which"

$run -np 2 ./onesided --blocks 200 >/tmp/os1.txt 2>&1
rc=$?
cat /tmp/os1.txt
check "$([ $rc = 0 ] && echo ok)" "onesided, a pool per rank on its node: every byte right (exit $rc)"
check "$(has /tmp/os1.txt 'rank 1: 1 arena(s) on node(s) 1 ')" "onesided: rank 1's arena is on node 1"

$run -np 1 ./onesided --blocks 200 --nodes all : -np 1 ./onesided --blocks 200 >/tmp/os2.txt 2>&1
rc=$?
cat /tmp/os2.txt
check "$([ $rc = 0 ] && echo ok)" "onesided, 2 arenas against 1: every byte right (exit $rc)"
check "$(has /tmp/os2.txt 'rank 0: 2 arena(s) on node(s) 0 (.*), 1 ')" "onesided: rank 0 exposes arenas on nodes 0 and 1"

$run -np 2 ./halo --n 64 --steps 10 >/tmp/halo.txt 2>&1
rc=$?
cat /tmp/halo.txt
check "$([ $rc = 0 ] && echo ok)" "halo across two nodes equals the serial reference (exit $rc)"

echo "mpi-vm: $pass passed, $fail failed"
[ $fail = 0 ]
