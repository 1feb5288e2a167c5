#!/usr/bin/env bash
# check-install.sh fortran|cxx BUILD COMPILER SRCROOT
# Install BUILD into a fresh prefix, then build the README's example of the
# binding against it as users do, and run it (its output must be the
# example's .expected file):
#   fortran  with find_package(numapool COMPONENTS fortran) and numapool::fortran;
#            with a plain line: COMPILER -I<prefix>/include/numapool/fortran app.f90
#            -L<libdir> -lnumapool_fortran -lnumapool; and from the installed
#            numapool.f90 compiled on the spot (another compiler's route).
#            Then a prefix installed without the fortran component still serves
#            a C project, and find_package(numapool COMPONENTS fortran) fails there.
#   cxx      with find_package(numapool) and the installed numapool.hpp; and with
#            a plain line: COMPILER -std=c++17 -I<prefix>/include app.cpp -L<libdir> -lnumapool
set -euo pipefail
mode=$1 build=$2 compiler=$3 src=$4
here=$(cd "$(dirname "$0")" && pwd)
expect=$src/tests/run-expect.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib* | head -1)
export LD_LIBRARY_PATH=$libdir

case $mode in
fortran)
  example=$src/bindings/fortran/examples/seed.f90
  expected=$src/bindings/fortran/examples/seed.expected
  for f in include/numapool/fortran/numapool.mod share/numapool/fortran/numapool.f90; do
    test -f "$prefix/$f" || { echo "FAIL: $f not installed"; exit 1; }
  done
  for f in libnumapool_fortran.a cmake/numapool/numapoolFortranTargets.cmake cmake/numapool/numapoolFortran.cmake; do
    test -f "$libdir/$f" || { echo "FAIL: $libdir/$f not installed"; exit 1; }
  done
  cmake -S "$here" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_Fortran_COMPILER="$compiler" \
        -DNPOOL_CONSUMER=fortran -DNPOOL_EXAMPLE="$example" >/dev/null
  cmake --build "$work/cm" >/dev/null
  "$expect" "$expected" "$work/cm/app"
  echo "find_package(numapool COMPONENTS fortran): the example ran"

  "$compiler" -I"$prefix/include/numapool/fortran" "$example" -L"$libdir" -lnumapool_fortran -lnumapool -o "$work/plain"
  "$expect" "$expected" "$work/plain"
  echo "$compiler -I.../numapool/fortran app.f90 -lnumapool_fortran -lnumapool: the example ran"

  mkdir "$work/own"
  (cd "$work/own" && "$compiler" -c "$prefix/share/numapool/fortran/numapool.f90" &&
     "$compiler" -I. "$example" numapool.o -L"$libdir" -lnumapool -o app)
  "$expect" "$expected" "$work/own/app"
  echo "the installed numapool.f90 compiled on the spot: the example ran"

  # every component but fortran
  mapfile -t comps < <(grep -rhoE 'CMAKE_INSTALL_COMPONENT STREQUAL "[^"]+"' --include=cmake_install.cmake "$build" |
                       sed -E 's/.*"([^"]+)"/\1/' | sort -u | grep -vx fortran)
  for c in "${comps[@]}"; do
    cmake --install "$build" --prefix "$work/conly" --component "$c" >/dev/null
  done
  if ls "$work"/conly/lib*/cmake/numapool/numapoolFortran* "$work"/conly/lib*/libnumapool_fortran* 2>/dev/null; then
    echo "FAIL: the components ${comps[*]} installed Fortran files"; exit 1
  fi
  cmake -S "$here" -B "$work/cc" -DCMAKE_PREFIX_PATH="$work/conly" -DNPOOL_CONSUMER=conly \
        -DNPOOL_EXAMPLE="$src/tests/consumer/consumer.c" >/dev/null
  cmake --build "$work/cc" >/dev/null
  LD_LIBRARY_PATH=$(ls -d "$work"/conly/lib* | head -1) "$work/cc/app" >/dev/null
  echo "a prefix with the components ${comps[*]} (no fortran): a C project finds numapool, and not numapool::fortran"
  ;;
cxx)
  example=$src/tests/cxx/example_seed.cpp
  expected=$src/tests/cxx/example_seed.expected
  test -f "$prefix/include/numapool.hpp" || { echo "FAIL: numapool.hpp not installed"; exit 1; }
  cmake -S "$here" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$compiler" \
        -DNPOOL_CONSUMER=cxx -DNPOOL_EXAMPLE="$example" >/dev/null
  cmake --build "$work/cm" >/dev/null
  "$expect" "$expected" "$work/cm/app"
  echo "find_package(numapool) + numapool.hpp: the example ran"
  "$compiler" -std=c++17 -Wall -Wextra -Wpedantic -Werror -I"$prefix/include" "$example" -L"$libdir" -lnumapool \
              -o "$work/plain"
  "$expect" "$expected" "$work/plain"
  echo "$compiler -std=c++17 -I<prefix>/include app.cpp -lnumapool: the example ran"
  ;;
*)
  echo "usage: $0 fortran|cxx BUILD COMPILER SRCROOT" >&2
  exit 2
  ;;
esac
