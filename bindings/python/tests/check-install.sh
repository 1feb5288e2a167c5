#!/usr/bin/env bash
# bindings/python/tests/check-install.sh MODE BUILD SRC PYTHON [SITEDIR [HARNESS]]
#
# Installs numapool from BUILD into a fresh temporary prefix and runs the
# Python suite (test_numapool.py) against what was installed, never against
# the source folder or the build tree:
#   cmake  the package `cmake --install` put in PREFIX/SITEDIR, found through
#          PYTHONPATH alone (no LD_LIBRARY_PATH: the extension's RPATH finds
#          PREFIX's libnumapool); SITEDIR is NPOOL_PYTHON_INSTALL_DIR, or when
#          empty what sitedir.py says for the prefix.  Also checks that
#          COMPONENT python installs the package and nothing else, that
#          DESTDIR installs for the prefixes /usr and /usr/local land in
#          directories on PYTHON's own sys.path and import from there with
#          their libnumapool, and runs bench_python.py --quick.
#   pip    `pip install --no-build-isolation` of a copy of SRC/bindings/python
#          in a venv made with `PYTHON -m venv --system-site-packages`, linked
#          against PREFIX's libnumapool (NUMAPOOL_PREFIX); the suite checks the
#          library loaded is that one.
#   numa-vm  the package installed as in `cmake`, with PYTHON, its standard
#          library and numpy (tests, caches and build files left out), in a
#          2-node QEMU guest (HARNESS: tests/vm/run-in-numa-vm), running
#          test_numa_vm.py: blocks, runs and numpy's arrays
#          on every node, checked with move_pages.
# Exit 77 (skip) when the venv module is missing (Debian: python3-venv), or
# when a package the NUMA VM runner needs is missing and only root could
# install it (the runner names it).
set -euo pipefail
mode=$1 build=$(realpath "$2") src=$(realpath "$3") py=$4 sitedir_override=${5:-} harness=${6:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
unset LD_LIBRARY_PATH PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE
export PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1
export NPOOL_TEST_PREFIX=$prefix NPOOL_SOURCE_DIR=$src
cd "$work"
suite=$src/bindings/python/tests/test_numapool.py
sitedir_for() { if [[ -n $sitedir_override ]]; then echo "$sitedir_override"; else "$py" "$src/bindings/python/sitedir.py" "$1"; fi; }
sitedir=$(sitedir_for "$prefix")

case $mode in
cmake)
  cmake --install "$build" --prefix "$work/pyonly" --component python >/dev/null
  got=$(cd "$work/pyonly" && find . -type f | sed 's/cpython-[^.]*\.so$/SOABI.so/' | sort | tr '\n' ' ')
  want="./$sitedir/numapool/__init__.py ./$sitedir/numapool/_numapool.SOABI.so "
  if [[ $got != "$want" ]]; then
    echo "FAIL: cmake --install --component python installed: $got; expected: $want"
    exit 1
  fi
  echo "component python: $got"
  if [[ -z $sitedir_override ]]; then
    for p in /usr /usr/local; do
      d=$(sitedir_for $p)
      "$py" -I -c "import sys; sys.exit(0 if '$p/$d' in sys.path else 1)" \
        || { echo "FAIL: $p/$d is not on $py's sys.path"; exit 1; }
      DESTDIR=$work/dest$p cmake --install "$build" --prefix "$p" >/dev/null
      test -f "$work/dest$p$p/$d/numapool/__init__.py"
      lib=$(PYTHONPATH=$work/dest$p$p/$d "$py" -P -c 'import numapool; print(numapool._numapool._library_path())')
      [[ $(realpath "$lib") == "$work/dest$p$p"/* ]] || { echo "FAIL: prefix $p: libnumapool from $lib"; exit 1; }
      echo "prefix $p: $p/$d/numapool, on sys.path; imports with $lib"
    done
  fi
  PYTHONPATH=$prefix/$sitedir "$py" -P "$suite"
  PYTHONPATH=$prefix/$sitedir "$py" -P "$src/bindings/python/bench_python.py" --quick >/dev/null
  echo "bench_python.py --quick ran"
  ;;
pip)
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "SKIP: $py has no venv/ensurepip (Debian: python3-venv)"
    exit 77
  fi
  "$py" -m venv --system-site-packages "$work/venv"
  mkdir "$work/pkg"
  cp -r "$src/bindings/python/numapool" "$src/bindings/python/setup.py" "$src/bindings/python/pyproject.toml" \
        "$work/pkg/"
  rm -rf "$work/pkg/numapool/__pycache__" "$work/pkg/numapool/"*.so
  NUMAPOOL_PREFIX=$prefix "$work/venv/bin/python" -m pip install -q --no-build-isolation --no-index --no-deps \
      "$work/pkg"
  NPOOL_TEST_VENV=$work/venv "$work/venv/bin/python" -P "$suite"
  ;;
numa-vm)
  # the interpreter's own files, at the same paths in the guest
  pyver=$("$py" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  stdlib=$("$py" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')
  npdir=$("$py" -c 'import numpy, os; print(os.path.dirname(numpy.__file__))')
  mkdir -p "$work/stdlib" "$work/numpy"
  tar -C "$stdlib" --exclude=test --exclude=idlelib --exclude=tkinter --exclude=ensurepip --exclude=lib2to3 \
      --exclude=__pycache__ --exclude='config-*' -cf - . | tar -C "$work/stdlib" -xf -
  tar -C "$npdir" --exclude=tests --exclude=__pycache__ -cf - . | tar -C "$work/numpy" -xf -
  mkdir "$work/t"
  cp "$src/bindings/python/tests/test_numa_vm.py" "$work/t/"
  bash "$harness" --missing-status 77 -n 2 -m 1G -H 16 --timeout 240 -q \
      -d "$work/stdlib:$stdlib" -d "$work/numpy:$npdir" -d "$prefix:$prefix" -d "$work/t:$work/t" \
      --bin "$(realpath "$py")" -e PYTHONPATH="$prefix/$sitedir" -e PYTHONDONTWRITEBYTECODE=1 --cwd "$work/t" \
      -- "$(realpath "$py")" -P "$work/t/test_numa_vm.py"
  ;;
*)
  echo "usage: $0 cmake|pip|numa-vm BUILD SRC PYTHON [SITEDIR [HARNESS]]" >&2
  exit 2
  ;;
esac
