#!/bin/sh
# tests/api/setuid.sh - NUMAPOOL_* (and hwloc's HWLOC_*) have no effect in a
# setuid program, and do in a normal one: the probe (setuid_probe.c) runs as
# a plain copy and as a setuid copy owned by nobody (65534), which the
# kernel marks AT_SECURE even when root starts it.  Needs root (exit 77
# otherwise, saying why) and a file system mounted without nosuid.
#
# usage: setuid.sh PROBE WORKDIR PLUGIN
probe=$1 work=$2 plugin=$3
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: only root can make a setuid copy owned by another user (chown 65534)"
    exit 77
fi
rm -rf "$work" && mkdir -p "$work/plugins" "$work/marks" || exit 1
if findmnt -no OPTIONS -T "$work" 2>/dev/null | grep -q nosuid; then
    echo "SKIP: $work is on a nosuid mount"
    exit 77
fi
chmod 755 "$work" "$work/plugins"
chmod 1777 "$work/marks"
cp "$probe" "$work/plain" && cp "$probe" "$work/suid" && cp "$plugin" "$work/plugins/hwloc_npooltest.so" || exit 1
chmod 755 "$work/plain" && chown 65534:65534 "$work/suid" && chmod 4755 "$work/suid" && chmod 644 "$work/plugins/hwloc_npooltest.so"
passed=0 failed=0
out=$work/out.txt err=$work/err.txt

# run plain|suid NODES [VAR=VALUE...]: the probe's line in $out, its stderr in $err
run() {
    who=$1 nodes=$2
    shift 2
    env -u NUMAPOOL_NODES -u NUMAPOOL_PAGES -u NUMAPOOL_VERBOSE "$@" "$work/$who" "$nodes" >"$out" 2>"$err"
    echo "  $who${*:+ with $*}: $(cat "$out")"
}
# expect DESCRIPTION FILE PATTERN (grep -E) / refuse: the pattern must not be there
expect() {
    if grep -qE -- "$3" "$2"; then passed=$((passed + 1)); echo "ok - $1"
    else failed=$((failed + 1)); echo "FAIL - $1 (wanted /$3/)"; sed 's/^/    | /' "$2"; fi
}
refuse() {
    if grep -qE -- "$3" "$2"; then failed=$((failed + 1)); echo "FAIL - $1 (found /$3/)"; sed 's/^/    | /' "$2"
    else passed=$((passed + 1)); echo "ok - $1"; fi
}

run plain local
expect "the plain copy is not AT_SECURE and creates its pool" "$out" "^secure=0 euid=0 create=0 arenas=1 backing=base"
run suid local
expect "the setuid copy runs as nobody, AT_SECURE, and creates its pool (topology from sysfs alone)" "$out" \
    "^secure=1 euid=65534 create=0 arenas=1 backing=base"

all_plain=$(run plain all | sed -n 's/.*arenas=\([0-9]*\).*/\1/p'); all_plain=${all_plain:-x}
run suid all
expect "\"all\" names as many nodes without hwloc as with it ($all_plain)" "$out" "create=0 arenas=$all_plain "

run plain local NUMAPOOL_NODES=7
expect "NUMAPOOL_NODES=7 counts in a normal run (-ENODEV)" "$out" "create=-19 .*node 7"
run suid local NUMAPOOL_NODES=7
expect "NUMAPOOL_NODES=7 is ignored by a setuid program" "$out" "create=0 arenas=1"

run plain local NUMAPOOL_PAGES=huge
expect "NUMAPOOL_PAGES=huge counts in a normal run (-EINVAL)" "$out" "create=-22 .*NUMAPOOL_PAGES"
run suid local NUMAPOOL_PAGES=huge
expect "NUMAPOOL_PAGES=huge is ignored by a setuid program" "$out" "create=0 arenas=1 backing=base"

run plain local NUMAPOOL_VERBOSE=1
expect "NUMAPOOL_VERBOSE=1 prints the report in a normal run" "$err" "numapool .*pool 'setuid' node"
run suid local NUMAPOOL_VERBOSE=1
refuse "NUMAPOOL_VERBOSE=1 prints nothing from a setuid program" "$err" "numapool"
expect "... which still creates its pool" "$out" "create=0 arenas=1"

run plain local NUMAPOOL_VERBOSE=
expect "an empty NUMAPOOL_VERBOSE is refused in a normal run" "$out" "create=-22 .*NUMAPOOL_VERBOSE is set but empty"
run suid local NUMAPOOL_VERBOSE=
expect "... and ignored by a setuid program" "$out" "create=0 arenas=1"

# hwloc reads its own variables with getenv and loads plugins from HWLOC_PLUGINS_PATH
run plain local HWLOC_PLUGINS_PATH="$work/plugins" NPOOL_PLUGIN_MARK="$work/marks/plain"
expect "a normal run lets hwloc load a plugin from HWLOC_PLUGINS_PATH (the stand-in wrote its mark)" \
    "$work/marks/plain" "loaded a plugin"
run suid local HWLOC_PLUGINS_PATH="$work/plugins" NPOOL_PLUGIN_MARK="$work/marks/suid"
if [ -e "$work/marks/suid" ]; then failed=$((failed + 1)); echo "FAIL - a setuid program ran a plugin from HWLOC_PLUGINS_PATH"
else passed=$((passed + 1)); echo "ok - a setuid program loads no plugin from HWLOC_PLUGINS_PATH (no mark)"; fi
expect "... and creates its pool" "$out" "create=0 arenas=1"

# HWLOC_SYNTHETIC replaces the machine hwloc describes: 64 nodes, 63 of them offline here
if [ -e /sys/devices/system/node/node63 ]; then
    echo "  (node 63 exists on this machine: the HWLOC_SYNTHETIC check does not apply)"
else
    run plain 63 HWLOC_SYNTHETIC="pack:64 [numa(memory=64MB)] pu:1"
    expect "HWLOC_SYNTHETIC changes what a normal run sees (node 63 \"offline\")" "$out" "create=-19 .*node 63 is offline"
    run suid 63 HWLOC_SYNTHETIC="pack:64 [numa(memory=64MB)] pu:1"
    expect "a setuid program sees the real machine (node 63 does not exist)" "$out" \
        "create=-19 .*node 63 does not exist on this machine"
fi

echo "setuid: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
