#!/usr/bin/env bash
# tools/deps.sh - install the Debian 12 packages numapool needs that are
# missing.  Root runs apt-get; anyone else is told what to install.
#   tools/deps.sh build   compilers, CMake, hwloc, libnuma, cmocka
#   tools/deps.sh bench   + the benchmark's contenders (jemalloc, mimalloc, tcmalloc, DPDK) and gnuplot
#   tools/deps.sh test    + clang (second compiler, libFuzzer), valgrind, numpy and gfortran (bindings),
#                         Open MPI (the MPI examples and numapool-bench-mpi)
#                         QEMU, busybox, cpio, xz, binutils (the NUMA VM of tests/vm/run-in-numa-vm)
set -euo pipefail
want=(build-essential cmake pkg-config libhwloc-dev libnuma-dev libcmocka-dev numactl)
case "${1:-build}" in
  build) ;;
  bench) want+=(libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev libdpdk-dev gnuplot-nox) ;;
  test)  want+=(clang libclang-rt-14-dev valgrind strace python3-numpy gfortran libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev libdpdk-dev gnuplot-nox)
         want+=(libopenmpi-dev openmpi-bin)
         want+=(qemu-system-x86 busybox-static cpio xz-utils binutils) ;;
  *) echo "usage: $0 build|bench|test" >&2; exit 2 ;;
esac
# the docs, man pages and modulefiles (doxygen, man-db, lmod), and the Debian
# packages' test (dpkg-dev and file for cpack's dpkg-shlibdeps, debootstrap)
[[ ${1:-build} != test ]] || want+=(doxygen man-db lmod dpkg-dev file debootstrap)
# the Python package (bindings/python): its headers, and venv/pip/setuptools/wheel for its pip test
[[ ${1:-build} != test ]] || want+=(python3-dev python3-numpy python3-venv python3-pip python3-setuptools python3-wheel)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "numapool needs these Debian packages: ${missing[*]}" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}
