#!/bin/sh
# tests/vm/vm-suite.sh - the driver that runs INSIDE the NUMA guest (busybox
# sh) for the numa-vm tests of tests/vm.cmake.  It owns the order of the
# steps and the environment of each: test_numa_vm's modes run plain, under
# numactl policies, with NUMAPOOL_* set, and the hugepage shortage last (it
# rewrites node 1's nr_hugepages); `topo` runs numapool-topo and checks its
# --json; `nodes` and `nodes-memonly` check node strings on a real kernel:
# test_nodes_live (numactl --membind beside topo_parse_nodes, cpubind from
# the affinity) and pools whose arenas must land on the nodes a string names,
# plain, under taskset / numactl --cpunodebind, and inside a cgroup-v2 cpuset
# made here (cpuset.mems), which is what makes + and ! relative.  Reports
# land in $NUMA_VM_OUT (/out) and are printed too.
# Ends with "vm-suite: N passed, N failed" (checks); exits 1 if any check or
# step failed.
#
# usage: vm-suite.sh pool | topo | nodes | nodes-memonly | faults     (cwd: the staging folder)

here=$(cd "$(dirname "$0")" && pwd)
T=$here/test_numa_vm
N=${NUMA_VM_NODES:-0}
OUT=${NUMA_VM_OUT:-/out}
mkdir -p "$OUT"
passed=0 failed=0 steps=0 bad_steps=0
log=/tmp/vm-suite-step.txt

# step NAME CMD...: run, show, count its "N passed, N failed" line and status
step() {
    name=$1; shift
    steps=$((steps + 1))
    echo "==== $name: $*"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed.*/\2/p')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        bad_steps=$((bad_steps + 1))
        echo "==== $name: FAILED (exit status $rc)"
        [ -z "$line" ] && failed=$((failed + 1))
    fi
}

# cstep NAME CMD...: run a cmocka program, count its tests ("[  PASSED  ] N test(s).")
cstep() {
    name=$1; shift
    steps=$((steps + 1))
    echo "==== $name: $*"
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ] || [ -z "$p" ]; then
        bad_steps=$((bad_steps + 1))
        echo "==== $name: FAILED (exit status $rc)"
        [ -z "$f" ] && failed=$((failed + 1))
    fi
}

# check DESCRIPTION CMD...: one check of the driver's own
check() {
    what=$1; shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok - $what"
    else
        failed=$((failed + 1)); echo "FAIL - $what"
    fi
}

pool_suite() {
    last=$((N - 1))
    step main "$T" main
    step membind-1 numactl --membind=1 "$T" policy 1
    step preferred-1 numactl --preferred=1 "$T" policy 1
    if [ "$N" -ge 4 ]; then
        step membind-1,3 numactl --membind=1,3 "$T" policy 1,3
        step membind-$last numactl --membind=$last "$T" policy $last
    fi
    step env-nodes-1-base env NUMAPOOL_NODES=1 NUMAPOOL_PAGES=base "$T" env 1 base
    if [ "$N" -ge 4 ]; then
        step env-nodes-3,1-2M env NUMAPOOL_NODES=3,1 NUMAPOOL_PAGES=2M "$T" env 1,3 2M
    else
        step env-nodes-1,0-2M env NUMAPOOL_NODES=1,0 NUMAPOOL_PAGES=2M "$T" env 0,1 2M
    fi
    all=$(seq -s, 0 "$last")
    step env-all-thp env NUMAPOOL_NODES=all NUMAPOOL_PAGES=thp "$T" env "$all" THP
    # the environment wins over the process policy too
    step env-over-membind env NUMAPOOL_NODES=$last NUMAPOOL_PAGES=2M numactl --membind=0 "$T" env $last 2M
    step env-bad-pages env NUMAPOOL_PAGES=huge "$T" env-fail -22 NUMAPOOL_PAGES
    step env-bad-node env NUMAPOOL_NODES=9 "$T" env-fail -19 "node 9"
    step verbose-1 env NUMAPOOL_VERBOSE=1 "$T" verbose 1
    sed -n '/^---- NUMAPOOL_VERBOSE report/,/^---- end/p' "$log" >"$OUT/verbose-${N}nodes.txt"
    step verbose-0 env NUMAPOOL_VERBOSE=0 "$T" verbose 0
    step verbose-unset "$T" verbose 0
    step shortage "$T" shortage
    step ratio "$T" ratio
    if [ -x "$here/test_omp_vm" ]; then
        step openmp env OMP_PROC_BIND=close OMP_PLACES=cores OMP_NUM_THREADS="$N" "$here/test_omp_vm"
    else
        echo "==== openmp: test_omp_vm not built (no OpenMP)"; failed=$((failed + 1))
    fi
}

topo_suite() {
    topo=$here/numapool-topo
    steps=$((steps + 2))
    echo "==== topo-table: $topo --size 4M"
    "$topo" --size 4M >"$OUT/numapool-topo-${N}nodes.txt" 2>&1
    rc=$?
    cat "$OUT/numapool-topo-${N}nodes.txt"
    check "numapool-topo --size 4M exits 0" [ "$rc" -eq 0 ]
    rows=$(grep -cE "^ +[0-9]+ .* 2M [0-9]+/${NUMA_VM_HUGEPAGES:-x}\$" "$OUT/numapool-topo-${N}nodes.txt")
    check "the table shows $N nodes with 2M hugepages (found $rows)" [ "$rows" -eq "$N" ]
    rows=$(grep -cE '^ +[0-9]+ +2M +' "$OUT/numapool-topo-${N}nodes.txt")
    check "AUTO picks 2M for 4 MiB on each of the $N nodes (found $rows)" [ "$rows" -eq "$N" ]
    echo "==== topo-json: $topo --json"
    "$topo" --json >"$OUT/numapool-topo-${N}nodes.json" 2>&1
    rc=$?
    cat "$OUT/numapool-topo-${N}nodes.json"
    check "numapool-topo --json exits 0" [ "$rc" -eq 0 ]
    flat=$(tr -d '\n' <"$OUT/numapool-topo-${N}nodes.json")
    # nodes are keyed by OS index: "0": {"online": true, ...
    nodes=$(echo "$flat" | grep -o '"[0-9][0-9]*": {"online": true' | wc -l)
    check "--json names $N online nodes (found $nodes)" [ "$nodes" -eq "$N" ]
    for n in $(seq 0 $((N - 1))); do
        # one node per line in numapool-topo's --json
        hp=$(grep "^ *\"$n\": {\"online\": true" "$OUT/numapool-topo-${N}nodes.json" |
             grep -o '"2097152": {"free": [0-9]*, "total": [0-9]*}' | sed 's/[^0-9 ]//g; s/^2097152 *//')
        # shellcheck disable=SC2086 # "free total": split on purpose
        set -- $hp
        ok=false
        [ "${2:-0}" -eq "${NUMA_VM_HUGEPAGES:-1}" ] && [ "${1:-0}" -gt 0 ] && ok=true
        check "--json: node $n has 2M hugepages, free/total ${1:-?}/${2:-?} (${NUMA_VM_HUGEPAGES:-?} reserved)" $ok
    done
    ok=false
    echo "$flat" | grep -q "\"all\": \"\(0-$((N - 1))\|$(seq -s, 0 $((N - 1)))\)\"" && ok=true
    check "--json: \"all\" is nodes 0-$((N - 1))" $ok
}

# the fault loop over every node (test_fault vm all prints "N passed, N
# failed"), then 10 s of the soak, whose pool over "all" spans every node
faults_suite() {
    step faults-all "$here/test_fault" vm all
    steps=$((steps + 1))
    echo "==== soak: NPOOL_SOAK_SECONDS=10 $here/soak"
    NPOOL_SOAK_SECONDS=10 "$here/soak" >"$log" 2>&1
    rc=$?
    cat "$log"
    check "the soak exits 0" [ "$rc" -eq 0 ]
    check "the soak ran a pool over every node and found 0 corruptions" \
        grep -q "one over every node.* 0 corruptions" "$log"
}

# make_cpuset MEMS EFFECTIVE: a cgroup-v2 cpuset "npool" whose memory nodes
# are MEMS, which the kernel then prints as EFFECTIVE
make_cpuset() {
    cg=/sys/fs/cgroup
    mkdir -p $cg
    grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none $cg || return 1
    grep -qw cpuset $cg/cgroup.subtree_control || echo +cpuset >$cg/cgroup.subtree_control || return 1
    mkdir -p $cg/npool && echo "$1" >$cg/npool/cpuset.mems || return 1
    echo "cpuset: mems $(cat $cg/npool/cpuset.mems.effective), cpus $(cat $cg/npool/cpuset.cpus.effective)"
    [ "$(cat $cg/npool/cpuset.mems.effective)" = "$2" ]
}

# in_cpuset CMD...: run CMD inside that cpuset
in_cpuset() {
    sh -c 'echo $$ >/sys/fs/cgroup/npool/cgroup.procs && exec "$@"' in_cpuset "$@"
}

# topo_says WHAT EXPECTED CMD...: the first line of a numapool-topo --nodes run
topo_says() {
    what=$1 want=$2; shift 2
    got=$("$@" 2>&1 | head -n 1)
    echo "$ $* -> $got"
    check "$what: $want (got: $got)" [ "$got" = "$want" ]
}

nodes_suite() {
    live=$here/test_nodes_live topo=$here/numapool-topo
    # numactl --membind beside topo_parse_nodes on 4 nodes; cpubind CPU by CPU
    cstep live "$live"
    cstep live-cpunodebind-2 numactl --cpunodebind=2 "$live"
    # + and ! over the usable nodes 0-3; ranges; the syntax numactl has and numapool refuses
    step relative "$T" nodes +1 1
    step relative-range "$T" nodes +1-2 1,2
    step invert "$T" nodes '!0' 1,2,3
    step invert-relative "$T" nodes '!+0-1' 2,3
    step relative-past "$T" nodes-fail +4 -19 "asks for the 5th usable node, and there are 4 (+0 to +3)"
    step backwards "$T" nodes-fail 3-1 -22 "range 3-1 runs backwards"
    # cpubind: the nodes of the CPUs the thread may run on (one CPU per node here)
    step cpubind-numactl numactl --cpunodebind=2 "$T" nodes cpubind 2
    step cpubind-numactl-1,3 numactl --cpunodebind=1,3 "$T" nodes cpubind 1,3
    step cpubind-taskset taskset -c 3 "$T" nodes cpubind 3
    step cpubind-list taskset -c 0 "$T" nodes +3,cpubind 0,3
    # kinds: hwloc names none here, every node has CPUs: all DRAM
    step kind-dram "$T" nodes dram 0,1,2,3
    step kind-dram-local taskset -c 2 "$T" nodes dram:local 2
    step kind-absent "$T" nodes-fail hbm -19 "no node of memory kind HBM"
    topo_says "numapool-topo under numactl --cpunodebind=1,3" '"cpubind" -> nodes 1,3' \
        numactl --cpunodebind=1,3 "$topo" --nodes cpubind
    topo_says "numapool-topo: +3" '"+3" -> node 3' "$topo" --nodes +3
    # a cpuset allowing nodes 1 and 3: + and ! count from them
    if make_cpuset 1,3 1,3; then
        check "a cgroup-v2 cpuset with cpuset.mems 1,3" true
        cstep cpuset-live in_cpuset "$live"
        step cpuset-relative in_cpuset "$T" nodes +1 3
        step cpuset-invert in_cpuset "$T" nodes '!1' 3
        step cpuset-invert-relative in_cpuset "$T" nodes '!+1' 1
        step cpuset-all in_cpuset "$T" nodes all 1,3
        # node 0's CPU: node 0 is denied, its nearest allowed is 1 (30; 3 is at 40); node 2's: 3 (30; 1 at 40)
        # (taskset: numactl --cpunodebind refuses nodes outside the cpuset's memory nodes)
        step cpuset-cpubind-0 in_cpuset taskset -c 0 "$T" nodes cpubind 1
        step cpuset-cpubind-2 in_cpuset taskset -c 2 "$T" nodes cpubind 3
        step cpuset-denied in_cpuset "$T" nodes-fail 0 -19 \
            "node 0 is not in this process's Mems_allowed (cpuset); nodes with memory this process may use: 1,3"
        step cpuset-past in_cpuset "$T" nodes-fail +2 -19 "there are 2 (+0 to +1)"
        topo_says "numapool-topo in the cpuset: +0" '"+0" -> node 1' in_cpuset "$topo" --nodes +0
    else
        check "a cgroup-v2 cpuset with cpuset.mems 1,3 (mount, +cpuset, mkdir /sys/fs/cgroup/npool)" false
    fi
}

# 4 nodes, 2 CPUs: nodes 2 and 3 are memory without CPUs, of no kind for hwloc
nodes_memonly_suite() {
    live=$here/test_nodes_live topo=$here/numapool-topo
    cstep live "$live"
    step kind-dram "$T" nodes dram 0,1
    # from node 2 DRAM 0 is at 20, 1 at 40; from node 3, 1 at 20, 0 at 40
    step kind-dram-2 "$T" nodes dram:2 0
    step kind-dram-3 "$T" nodes dram:3 1
    step cpu-less-by-number "$T" nodes '!dram' 2,3
    topo_says "numapool-topo: the kinds" "memory kinds (node strings \"dram\", \"hbm:local\"...): DRAM 0-1, unknown 2-3" \
        sh -c "\"$topo\" | grep '^memory kinds'"
    if make_cpuset 2,3 2-3; then
        check "a cgroup-v2 cpuset with cpuset.mems 2,3" true
        cstep cpuset-live in_cpuset "$live"
        # the CPUs are on nodes 0 and 1, both denied: 0 -> 2 and 1 -> 3 (20 each)
        step cpuset-cpubind in_cpuset "$T" nodes cpubind 2,3
        step cpuset-cpubind-1 in_cpuset taskset -c 1 "$T" nodes cpubind 3
        step cpuset-no-dram in_cpuset "$T" nodes-fail dram -19 "no node of memory kind DRAM"
    else
        check "a cgroup-v2 cpuset with cpuset.mems 2,3" false
    fi
}

case ${1:-} in
    pool) pool_suite ;;
    topo) topo_suite ;;
    nodes) nodes_suite ;;
    nodes-memonly) nodes_memonly_suite ;;
    faults) faults_suite ;;
    *) echo "usage: $0 pool|topo|nodes|nodes-memonly|faults" >&2; exit 2 ;;
esac
echo "vm-suite ${1} on $N nodes: $steps steps, $bad_steps failed"
echo "vm-suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bad_steps" -eq 0 ]
