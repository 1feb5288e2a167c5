#!/usr/bin/env bash
# tools/build-debs.sh [BUILDDIR] - build numapool's Debian packages: a release
# build for the prefix /usr (lib/<multiarch>, the system's python3
# dist-packages), then `cpack -G DEB` (cmake/packaging.cmake says what goes
# where).  The .debs land in BUILDDIR/packages (default build/deb/packages):
#   libnumapool<ABI>, libnumapool-dev, numapool-tools, python3-numapool,
#   libnumapool-fortran-dev (the last two when python3-dev/numpy and gfortran
#   are installed).
# Needs, beyond tools/deps.sh build: dpkg-dev and file (dpkg-shlibdeps).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/deb}
for c in dpkg-shlibdeps file; do
  command -v "$c" >/dev/null || { echo "build-debs: $c not found (Debian: dpkg-dev, file)" >&2; exit 1; }
done

# numapool-bench preloads jemalloc, mimalloc and tcmalloc by path: point it at
# the runtime libraries (libjemalloc2...), which users install, rather than
# the -dev packages' libX.so links that the build finds
args=()
ma=$(gcc -print-multiarch 2>/dev/null || true)
for pair in JEMALLOC:jemalloc MIMALLOC:mimalloc TCMALLOC:tcmalloc_minimal; do
  var=${pair%%:*} lib=/usr/lib/$ma/lib${pair#*:}.so
  if [[ -n $ma && -e $lib ]]; then
    soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
    [[ -n $soname ]] && args+=("-DNPOOL_BENCH_${var}_LIB=/usr/lib/$ma/$soname")
  fi
done

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DNPOOL_BUILD_TESTS=OFF -DNPOOL_WERROR=ON ${args[@]+"${args[@]}"} >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB >/dev/null)
ls "$build"/packages/*.deb
