#!/usr/bin/env bash
# tests/module/check-module.sh BUILD SRCROOT CC [FC]
# The installed modulefiles (test install_modulefile, label install): install
# BUILD into a prefix outside the system paths (<tmp>/xyz/opt/numapool), then,
# in a clean environment, with Debian's Lmod (MODULEPATH at the prefix's
# modulefiles), `module load numapool` and use the install as a user would:
#   - the tools on PATH, their man pages on MANPATH (the system's still found);
#   - a C program built with pkg-config, with find_package (no prefix given
#     to CMake) and with a plain `cc app.c -lnumapool`, each run;
#   - /usr/bin/python3 imports numapool from the prefix and uses it;
#   - the Fortran example built with find_package(numapool COMPONENTS fortran)
#     and with -I$NUMAPOOL_FORTRAN_INCLUDE, its output checked (with FC);
#   - `module unload numapool` gives the environment back as it was.
# Each check also verifies that what was found lies under the prefix, so that
# a numapool installed elsewhere on the machine cannot make it pass.  Then
# the Tcl modulefile (share/modulefiles, for environment-modules), read by
# Lmod, passes the same checks.  Skips (77) without Lmod (Debian: lmod).
set -euo pipefail
build=$1 src=$2 cc=$3 fc=${4:-}
lmod_init=/usr/share/lmod/lmod/init/bash
[[ -r $lmod_init ]] || { echo "skipped: Lmod not installed ($lmod_init; Debian: lmod)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/xyz/opt/numapool
cmake --install "$build" --prefix "$prefix" >/dev/null
version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")/\1/p' "$build/numapoolConfigVersion.cmake")
for f in "share/lmod/modulefiles/numapool/$version.lua" "share/modulefiles/numapool/$version"; do
  test -f "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
done
have_python=0
[[ -n $(find "$prefix" -name '_numapool*.so' -print -quit) ]] && have_python=1
have_fortran=0
[[ -n $fc && -f $prefix/include/numapool/fortran/numapool.mod ]] && have_fortran=1

# The user's session: a clean environment, Lmod, the modulefile's directory.
session() {  # MODULEPATH KIND
  env -i HOME="$work/home" PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb LANG=C.UTF-8 \
    MODULEPATH="$1" KIND="$2" PREFIX="$prefix" SRC="$src" CC_="$cc" FC_="$fc" WORK="$work/$2" \
    HAVE_PYTHON=$have_python HAVE_FORTRAN=$have_fortran LMOD_INIT="$lmod_init" \
    bash --noprofile --norc -euo pipefail -c '
under() { case "$2" in "$PREFIX"/*) ;; *) echo "FAIL: $1 is $2, not under $PREFIX"; exit 1;; esac; }
mkdir -p "$WORK" "$HOME"
source "$LMOD_INIT"
before=$(env | grep -E "^(PATH|MANPATH|PKG_CONFIG_PATH|CMAKE_PREFIX_PATH|CPATH|LIBRARY_PATH|LD_LIBRARY_PATH|PYTHONPATH|NUMAPOOL_[A-Z_]+)=" | sort)
module load numapool
module -t list 2>&1 | grep -qx "numapool/[0-9.]*" || { echo "FAIL: module list does not show numapool"; exit 1; }
echo "[$KIND] module load numapool: $(module -t list 2>&1 | grep numapool)"

under numapool-topo "$(command -v numapool-topo)"
numapool-topo --json | grep -q "\"nodes\"" || { echo "FAIL: numapool-topo --json"; exit 1; }
numapool-bench --help >/dev/null
numapool-demo --cells 64 --steps 1 --pages base >/dev/null
under "man -w numapool-topo" "$(man -w numapool-topo)"
under "man -w numapool" "$(man -w 7 numapool)"
man -w ls >/dev/null || { echo "FAIL: with the module loaded, man no longer finds the system pages (ls)"; exit 1; }
echo "[$KIND] tools on PATH, their man pages on MANPATH, the system man pages still found"

under "pkg-config prefix" "$(pkg-config --variable=prefix numapool)/"
"$CC_" -std=c11 -o "$WORK/pc" "$SRC/tests/consumer/consumer.c" $(pkg-config --cflags --libs numapool)
under "the pkg-config program'"'"'s libnumapool" "$(ldd "$WORK/pc" | awk "/libnumapool/ {print \$3}")"
"$WORK/pc" >/dev/null
echo "[$KIND] pkg-config: built and ran, linked to the prefix'"'"'s libnumapool"

cmake -S "$SRC/tests/consumer" -B "$WORK/cm" -DCMAKE_C_COMPILER="$CC_" >/dev/null
under numapool_DIR "$(sed -n "s/^numapool_DIR:PATH=//p" "$WORK/cm/CMakeCache.txt")"
cmake --build "$WORK/cm" >/dev/null
"$WORK/cm/consumer" >/dev/null
"$WORK/cm/consumer_static" >/dev/null
echo "[$KIND] find_package(numapool) without a prefix given: shared and static consumers built and ran"

"$CC_" -std=c11 -o "$WORK/plain" "$SRC/tests/consumer/consumer.c" -lnumapool
"$WORK/plain" >/dev/null
echo "[$KIND] cc consumer.c -lnumapool (CPATH, LIBRARY_PATH): built and ran"

if [[ $HAVE_PYTHON == 1 ]]; then
  under "numapool.__file__" "$(/usr/bin/python3 -c "import numapool; print(numapool.__file__)")"
  /usr/bin/python3 -c "
import numapool
with numapool.MemoryPool(block_size=(100,), num_blocks=20, name=\"module\", pages=\"base\") as pool:
    a = pool.get_block(); b = pool.get_block()
    assert (pool.index_of(a), pool.index_of(b)) == (0, 1), (pool.index_of(a), pool.index_of(b))
    pool.return_block(0); pool.return_block(b)
    assert pool.get_efficiency() == 0.0
"
  echo "[$KIND] /usr/bin/python3: import numapool from the prefix, blocks 0 and 1 out and back"
fi

if [[ $HAVE_FORTRAN == 1 ]]; then
  ex=$SRC/bindings/fortran/examples/seed.f90 expected=$SRC/bindings/fortran/examples/seed.expected
  under NUMAPOOL_FORTRAN_INCLUDE "$NUMAPOOL_FORTRAN_INCLUDE"
  (cd "$WORK" && "$FC_" -I"$NUMAPOOL_FORTRAN_INCLUDE" "$ex" -lnumapool_fortran -lnumapool -o fplain)
  "$SRC/tests/run-expect.sh" "$expected" "$WORK/fplain" >/dev/null
  cmake -S "$SRC/tests/consumer-bindings" -B "$WORK/fcm" -DCMAKE_Fortran_COMPILER="$FC_" \
        -DNPOOL_CONSUMER=fortran -DNPOOL_EXAMPLE="$ex" >/dev/null
  cmake --build "$WORK/fcm" >/dev/null
  "$SRC/tests/run-expect.sh" "$expected" "$WORK/fcm/app" >/dev/null
  echo "[$KIND] Fortran: the example built with -I\$NUMAPOOL_FORTRAN_INCLUDE and with find_package, its output as expected"
fi

module unload numapool
after=$(env | grep -E "^(PATH|MANPATH|PKG_CONFIG_PATH|CMAKE_PREFIX_PATH|CPATH|LIBRARY_PATH|LD_LIBRARY_PATH|PYTHONPATH|NUMAPOOL_[A-Z_]+)=" | sort)
if [[ "$before" != "$after" ]]; then
  echo "FAIL: module unload left the environment changed:"; diff <(echo "$before") <(echo "$after") || true; exit 1
fi
echo "[$KIND] module unload numapool: the environment is as before"
'
}

session "$prefix/share/lmod/modulefiles" lua
session "$prefix/share/modulefiles" tcl
echo "ok: the Lua and the Tcl modulefile make $prefix usable"
