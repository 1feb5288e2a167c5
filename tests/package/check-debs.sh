#!/usr/bin/env bash
# tests/package/check-debs.sh - the Debian packages, installed and used as a
# user would, on a fresh Debian system (the CI stage "Debian packages").
#   1. tools/build-debs.sh builds the .debs (cpack -G DEB) into build/deb;
#   2. a fresh root of the same Debian release as this machine: the minimal
#      base system of `debootstrap --variant=minbase`, from the mirror in
#      apt's configured sources, unpacked anew for every run from a tarball
#      cached under ~/.cache/numapool-package (made by the first run);
#   3. in that root (chroot, in a mount namespace of its own, /proc /sys /dev
#      bound in), `apt-get install ./*.deb` with the compilers, cmake and
#      man-db pulls every dependency from the mirror, then
#      tests/package/in-root.sh uses the packages (what it checks is listed
#      there).
# Downloaded .debs and package lists are kept in the cache between runs.
# Needs root (debootstrap, chroot, mounts) and Debian's mirror; skips (77)
# when either is missing.  NPOOL_PACKAGE_CACHE overrides the cache folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD
t0=$(date +%s)
step() { printf '=== [+%ds] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

[[ $(id -u) -eq 0 ]] || { echo "skipped: needs root (debootstrap, chroot, mounts)"; exit 77; }
for c in debootstrap unshare chroot dpkg-shlibdeps file; do
  command -v "$c" >/dev/null || { echo "skipped: $c not found (Debian: debootstrap, util-linux, dpkg-dev, file)"; exit 77; }
done
. /etc/os-release
suite=${VERSION_CODENAME:?/etc/os-release names no release}
# the mirror: the first of apt's sources that serves "$suite" (deb822 or one-line format)
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
      awk -v s="$suite" '/^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == s) print u} /^$/ {u=""}'
    { grep -hE "^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +$suite( |$)" /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
      sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}'
  } | head -1 || true)
[[ -n $mirror ]] || { echo "skipped: no apt source for $suite in /etc/apt/sources.list*"; exit 77; }

cache=${NPOOL_PACKAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/numapool-package}
mkdir -p "$cache/archives/partial" "$cache/lists/partial"
work=$(mktemp -d /var/tmp/numapool-debs.XXXXXX)
cleanup() {
  # the mounts live in the namespace of the unshare below and end with it;
  # --one-file-system keeps rm off anything still mounted
  if grep -q " $work/" /proc/self/mounts; then
    echo "check-debs: mounts left under $work, not removing it" >&2
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

step "build the packages (tools/build-debs.sh)"
tools/build-debs.sh build/deb

base=$cache/$suite-minbase.tar
if [[ ! -f $base ]]; then
  step "base system: debootstrap --variant=minbase $suite from $mirror (first run; cached as $base)"
  debootstrap --variant=minbase "$suite" "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/base" --numeric-owner -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf --one-file-system "$work/base"
fi
step "a fresh root from $base"
root=$work/root
mkdir "$root"
tar -C "$root" --numeric-owner -xpf "$base"
mkdir -p "$root/debs" "$root/src/tests/package" "$root/src/bindings/fortran"
cp build/deb/packages/*.deb "$root/debs/"
cp -r tests/consumer tests/consumer-bindings tests/cxx tests/run-expect.sh "$root/src/tests/"
cp tests/package/in-root.sh "$root/src/tests/package/"
cp -r bindings/fortran/examples "$root/src/bindings/fortran/"
cp /etc/resolv.conf "$root/etc/resolv.conf"

step "in the root: apt-get install ./*.deb, then tests/package/in-root.sh"
unshare --mount --propagation private bash -euo pipefail -c '
  root=$1 cache=$2
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount --bind "$cache/archives" "$root/var/cache/apt/archives"
  mount --bind "$cache/lists" "$root/var/lib/apt/lists"
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      bash /src/tests/package/in-root.sh' bash "$root" "$cache"
step "done: the packages install on a fresh $suite and work (cache: $(du -sh "$cache" | cut -f1) in $cache)"
