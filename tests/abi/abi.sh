#!/bin/sh
# tests/abi/abi.sh OLD_CONSUMER NEW_LIBRARY - a binary built against an
# older layout of numapool.h's inline path never runs against this library:
#  1. the library is installed under its own SONAME (libnumapool.so.NPOOL_ABI),
#     so the old binary, asking for libnumapool.so.0, does not find it;
#  2. even if someone puts this library in the old one's place, the loader
#     refuses the binary before main(): the thread-local symbol the old
#     inline path uses (npool__tl_last) does not exist here.
# Either way the refusal is the loader's, clean (exit 127), never a run.
set -u
old=$1 new=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
soname=$(objdump -p "$new" | awk '$1 == "SONAME" { print $2 }')
case $soname in
  libnumapool.so.0) echo "FAIL: the library still has the old SONAME $soname"; fail=1 ;;
  *) echo "the library's SONAME is $soname" ;;
esac
ln -s "$(readlink -f "$new")" "$dir/$soname"
LD_LIBRARY_PATH=$dir "$old" >"$dir/out1" 2>&1
rc=$?
if [ $rc -eq 127 ] && grep -q "libnumapool.so.0: cannot open shared object file" "$dir/out1"; then
  echo "ok: beside the new library only, the old binary is refused: $(head -c 200 "$dir/out1")"
else
  echo "FAIL: expected the loader to refuse (exit 127, libnumapool.so.0 not found), got exit $rc:"; cat "$dir/out1"; fail=1
fi
ln -s "$(readlink -f "$new")" "$dir/libnumapool.so.0"
LD_LIBRARY_PATH=$dir "$old" >"$dir/out2" 2>&1
rc=$?
if [ $rc -eq 127 ] && grep -q "undefined symbol: npool__tl_last" "$dir/out2" && ! grep -q "^ran:" "$dir/out2"; then
  echo "ok: with the new library in the old one's place, the old binary is refused: $(head -c 200 "$dir/out2")"
else
  echo "FAIL: expected the loader to refuse (exit 127, undefined npool__tl_last), got exit $rc:"; cat "$dir/out2"; fail=1
fi
exit $fail
