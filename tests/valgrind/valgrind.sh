#!/bin/sh
# tests/valgrind/valgrind.sh VALGRIND VG_CHILD MODE - run vg_child MODE under
# valgrind's memcheck.  `clean` must exit 0 with no report; every other mode
# must make valgrind report the stray access (an invalid write, or read for
# read-after-put) at vg_child's own code, not the library's, and exit 99.
vg=$1 child=$2 mode=$3
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$vg" -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$child" "$mode" >"$out" 2>&1
rc=$?
case $mode in
  clean) want_rc=0 want= ;;
  read-*) want_rc=99 want="Invalid read of size 1" ;;
  *) want_rc=99 want="Invalid write of size 1" ;;
esac
if [ "$rc" != "$want_rc" ]; then
  echo "FAIL: vg_child $mode under valgrind exited $rc, not $want_rc"; cat "$out"; exit 1
fi
if [ -n "$want" ] && ! grep -A1 "$want" "$out" | grep -q "at 0x.*vg_child"; then
  echo "FAIL: valgrind did not report \"$want\" at vg_child's own code"; cat "$out"; exit 1
fi
if [ -z "$want" ] && grep -q "==[0-9]*==" "$out"; then
  echo "FAIL: valgrind reported something on the clean run"; cat "$out"; exit 1
fi
echo "vg_child $mode: valgrind exit $rc${want:+, \"$want\"} as expected"
