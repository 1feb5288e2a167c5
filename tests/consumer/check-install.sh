#!/usr/bin/env bash
# Install the build into a fresh prefix, then build a user's program against
# it twice: with CMake's find_package and with pkg-config.  Both must run.
set -euo pipefail
build=$1 src=$2 cc=${3:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib* | head -1)
test -f "$work/prefix/include/numapool.h"
test -f "$libdir/libnumapool.a"
test -f "$libdir/pkgconfig/numapool.pc"
test -f "$libdir/cmake/numapool/numapoolConfigVersion.cmake"

cmake -S "$src" -B "$work/cm" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/cm" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cm/consumer"
"$work/cm/consumer_static"
echo "find_package: shared and static consumers ran"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/pc" "$src/consumer.c" $(pkg-config --cflags --libs numapool)
LD_LIBRARY_PATH="$libdir" "$work/pc"
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/pcs" "$src/consumer.c" $(pkg-config --cflags --libs --static numapool) -Wl,-Bstatic -lnumapool -Wl,-Bdynamic 2>/dev/null \
  || "$cc" -std=c11 -o "$work/pcs" "$src/consumer.c" -I"$work/prefix/include" "$libdir/libnumapool.a" $(pkg-config --libs hwloc numa) -lpthread
"$work/pcs"
echo "pkg-config: shared and static consumers ran"
