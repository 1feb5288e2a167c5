#!/usr/bin/env bash
# tests/package/in-root.sh - run by tests/package/check-debs.sh inside a fresh
# Debian root (chroot) holding /debs/*.deb and, under /src, the consumer
# projects of tests/ and the Fortran example.  Installs the packages with apt,
# which pulls their dependencies from the mirror, then uses them as a user:
#   - each package holds what it should (the runtime only the library);
#   - a C program built with find_package (shared and static targets) and
#     with pkg-config (shared, and the archive), each run;
#   - the README's C++ example built with find_package and with a plain g++
#     line, its output checked;
#   - the Fortran example built with find_package(numapool COMPONENTS fortran)
#     and with a plain gfortran line, its output checked;
#   - /usr/bin/python3 imports numapool and gets and returns blocks;
#   - man numapool-topo, numapool-bench and numapool(7) render, without a
#     warning; numapool-topo, numapool-demo and a short numapool-bench run
#     (its numapool workers found beside it, jemalloc from libjemalloc2);
#   - apt-get purge takes everything away again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
step() { printf '  [+%ds] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }
fail() { echo "FAIL: $*"; exit 1; }
work=/tmp/use
mkdir -p "$work"

step "apt-get update; apt-get install ./debs/*.deb build-essential cmake man-db libjemalloc2"
# no man-db index rebuild at install: man finds pages without it
echo "man-db man-db/auto-update boolean false" | debconf-set-selections
apt-get -q update >/dev/null
cd /debs
# (libjemalloc2: a contender numapool-bench preloads, from its runtime package)
apt-get install -y -q --no-install-recommends ./*.deb build-essential cmake man-db libjemalloc2 >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log"; fail "apt-get install"; }
pkgs=$(for f in ./*.deb; do dpkg-deb -f "$f" Package; done)
echo "    installed: $(echo $pkgs) and $(grep -c '^Unpacking ' "$work/apt.log") packages in all"
for p in $pkgs; do
  [[ $(dpkg-query -W -f='${Status}' "$p") == "install ok installed" ]] || fail "$p is not installed"
done
have() { grep -qx "$1" <<<"$pkgs"; }
libdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)

step "each package holds what it should"
lib=$(grep -x 'libnumapool[0-9]*' <<<"$pkgs")
files=$(dpkg -L "$lib" | grep -v '/$' | while read -r f; do [[ -d $f ]] || echo "$f"; done)
[[ $(grep -c . <<<"$files") -eq 2 ]] && grep -qx "$libdir/libnumapool.so.[0-9]*" <<<"$files" ||
  fail "$lib should hold libnumapool.so.N and its real file, holds: $files"
ldconfig -p | grep -qE "libnumapool\.so\.[0-9]+ .*=> .*/libnumapool\.so\.[0-9]+$" || fail "ldconfig does not know libnumapool"
for f in /usr/include/numapool.h /usr/include/numapool.hpp "$libdir/libnumapool.a" "$libdir/libnumapool.so" \
         "$libdir/pkgconfig/numapool.pc" "$libdir/cmake/numapool/numapoolConfig.cmake"; do
  [[ $(dpkg -S "$f" | cut -d: -f1) == libnumapool-dev ]] || fail "$f is not libnumapool-dev's"
done
for f in /usr/bin/numapool-topo /usr/bin/numapool-bench /usr/bin/numapool-demo /usr/libexec/numapool/numapool-bench-np-shared \
         /usr/share/man/man1/numapool-topo.1.gz /usr/share/man/man7/numapool.7.gz; do
  [[ $(dpkg -S "$f" | cut -d: -f1) == numapool-tools ]] || fail "$f is not numapool-tools'"
done
echo "    $lib: $(echo $files); headers, archive, CMake and pkg-config files in libnumapool-dev; tools and man pages in numapool-tools"

step "C: find_package(numapool) and pkg-config"
cmake -S /src/tests/consumer -B "$work/cm" >/dev/null
cmake --build "$work/cm" >/dev/null
"$work/cm/consumer" | grep -q "consumer" || fail "the find_package consumer"
"$work/cm/consumer_static" >/dev/null
ldd "$work/cm/consumer_static" | grep -q libnumapool && fail "consumer_static links libnumapool.so"
cc -std=c11 -o "$work/pc" /src/tests/consumer/consumer.c $(pkg-config --cflags --libs numapool)
"$work/pc" >/dev/null
# the archive with hwloc and libnuma shared (`pkg-config --static` would ask
# for hwloc's own static dependencies too: libudev-dev, not installed here)
static="-Wl,-Bstatic -lnumapool -Wl,-Bdynamic $(pkg-config --libs hwloc numa) -lpthread"
cc -std=c11 -o "$work/pcs" /src/tests/consumer/consumer.c $(pkg-config --cflags numapool) $static
"$work/pcs" >/dev/null
ldd "$work/pcs" | grep -q libnumapool && fail "the static pkg-config consumer links libnumapool.so"
echo "    find_package: shared and static consumers ran; pkg-config: shared, and the archive ($static), ran"

step "C++: numapool.hpp, the README's example"
cmake -S /src/tests/consumer-bindings -B "$work/cxx" -DNPOOL_CONSUMER=cxx \
      -DNPOOL_EXAMPLE=/src/tests/cxx/example_seed.cpp >/dev/null
cmake --build "$work/cxx" >/dev/null
/src/tests/run-expect.sh /src/tests/cxx/example_seed.expected "$work/cxx/app" >/dev/null
g++ -std=c++17 -Wall -Wextra -Werror -o "$work/cxxplain" /src/tests/cxx/example_seed.cpp -lnumapool
/src/tests/run-expect.sh /src/tests/cxx/example_seed.expected "$work/cxxplain" >/dev/null
echo "    find_package and g++ -lnumapool: the example printed what it should"

if have libnumapool-fortran-dev; then
  step "Fortran: the README's example"
  ex=/src/bindings/fortran/examples/seed.f90 expected=/src/bindings/fortran/examples/seed.expected
  cmake -S /src/tests/consumer-bindings -B "$work/f" -DNPOOL_CONSUMER=fortran -DNPOOL_EXAMPLE=$ex >/dev/null
  cmake --build "$work/f" >/dev/null
  /src/tests/run-expect.sh "$expected" "$work/f/app" >/dev/null
  (cd "$work" && gfortran -I/usr/include/numapool/fortran "$ex" -lnumapool_fortran -lnumapool -o fplain)
  /src/tests/run-expect.sh "$expected" "$work/fplain" >/dev/null
  echo "    find_package(numapool COMPONENTS fortran) and gfortran -I/usr/include/numapool/fortran: the example printed what it should"
fi

if have python3-numapool; then
  step "Python: import numapool"
  cd "$work"
  /usr/bin/python3 -c '
import numpy as np, numapool
assert numapool.__file__.startswith("/usr/lib/python3/dist-packages/"), numapool.__file__
with numapool.MemoryPool(block_size=(100,), num_blocks=20, name="deb", pages="base") as pool:
    a = pool.get_block(); b = pool.get_block()
    assert (pool.index_of(a), pool.index_of(b)) == (0, 1)
    a[:] = np.arange(100.0); assert a.sum() == 4950.0
    pool.return_block(0); pool.return_block(b)
    assert pool.get_efficiency() == 0.0
print("    python3:", numapool.__file__, "blocks 0 and 1 out and back")'
fi

step "man pages and tools"
for page in "1 numapool-topo" "1 numapool-bench" "7 numapool"; do
  set -- $page
  where=$(man -w "$1" "$2")
  [[ $where == /usr/share/man/man$1/$2.$1.gz ]] || fail "man -w $1 $2 says $where"
  warn=$(MANWIDTH=80 man --warnings "$1" "$2" 2>&1 >/dev/null)
  [[ -z $warn ]] || fail "man $1 $2 warns: $warn"
  MANWIDTH=80 man "$1" "$2" 2>/dev/null | grep -q "^NAME" || fail "man $1 $2 shows no NAME section"
done
echo "    man numapool-topo, man numapool-bench, man 7 numapool: rendered without a warning"
numapool-topo | grep -q "^ *node " || fail "numapool-topo prints no node table"
numapool-demo --cells 64 --steps 1 --pages base >/dev/null
bench=$(numapool-bench --quick --reps 1 --sizes 64 --scenarios pingpong \
        --contenders glibc,jemalloc,numapool-static,numapool-shared 2>/dev/null)
grep -q "^contenders:" <<<"$bench" || fail "numapool-bench printed no contenders line: $bench"
grep "^contenders:" <<<"$bench" | grep -qE "(jemalloc|numapool-static|numapool-shared) \(" &&
  fail "numapool-bench did not find its workers or libjemalloc2: $(grep -A4 '^contenders:' <<<"$bench")"
echo "    numapool-topo, numapool-demo ran; numapool-bench --quick found its workers: $(grep '^contenders:' <<<"$bench")"

step "apt-get purge"
apt-get purge -y -q $pkgs >/dev/null 2>&1 || fail "apt-get purge"
[[ -z $(find "$libdir" -name 'libnumapool*' -print -quit) && ! -e /usr/include/numapool.h && ! -e /usr/bin/numapool-topo ]] ||
  fail "files left after the purge"
echo "    every numapool package removed, nothing left"
