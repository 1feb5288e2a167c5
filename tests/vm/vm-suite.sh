#!/bin/sh
# tests/vm/vm-suite.sh - the driver that runs INSIDE the NUMA guest (busybox
# sh) for the numa-vm tests of tests/vm.cmake.  It owns the order of the
# steps and the environment of each: test_numa_vm's modes run plain, under
# numactl policies, with NUMAPOOL_* set, and the hugepage shortage last (it
# rewrites node 1's nr_hugepages); `topo` runs numapool-topo and checks its
# --json.  Reports land in $NUMA_VM_OUT (/out) and are printed too.
# Ends with "vm-suite: N passed, N failed" (checks); exits 1 if any check or
# step failed.
#
# usage: vm-suite.sh pool | topo | faults      (cwd: the staging folder)

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

case ${1:-} in
    pool) pool_suite ;;
    topo) topo_suite ;;
    faults) faults_suite ;;
    *) echo "usage: $0 pool|topo|faults" >&2; exit 2 ;;
esac
echo "vm-suite ${1} on $N nodes: $steps steps, $bad_steps failed"
echo "vm-suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bad_steps" -eq 0 ]
