#!/usr/bin/env bash
# Builds the Debian package warp-studio_<version>_<arch>.deb with CPack from the build folder:
# the install rules of packaging/CMakeLists.txt (GNUInstallDirs, prefix /usr), stripped binaries,
# runtime dependencies from dpkg-shlibdeps.
#
#   scripts/package.sh [--no-build] [OUT_DIR]     OUT_DIR defaults to <build>/package
#
# Without --no-build it first brings the packaged targets up to date (incremental; setup.sh builds
# them already). --no-build packages what is built (the CTest package test uses it, so no build
# runs beside the other tests). Prints the .deb's path on stdout.
# Environment: WARP_BUILD_DIR (default build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build=1
out=""
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -*) echo "package.sh: unknown option '$arg'" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
builddir="$(cd "${WARP_BUILD_DIR:-build}" && pwd)"
out="${out:-$builddir/package}"
[ -f "$builddir/CPackConfig.cmake" ] || { echo "package.sh: $builddir/CPackConfig.cmake missing: configure first (scripts/setup.sh)" >&2; exit 1; }
grep -q '^WARP_BUILD_GUI:BOOL=ON' "$builddir/CMakeCache.txt" ||
  { echo "package.sh: $builddir is configured without the GUI (-DWARP_BUILD_GUI=OFF); the package needs warp-studio" >&2; exit 1; }
command -v dpkg-shlibdeps >/dev/null || { echo "package.sh: dpkg-shlibdeps not found (apt-get install dpkg-dev)" >&2; exit 1; }
if [ "$build" = 1 ]; then
  cmake --build "$builddir" --target warp warp-studio warp-plot warp_man_pages >&2
fi
for exe in app/warp app/warp-studio app/warp-plot packaging/man/warp.1.gz; do
  [ -f "$builddir/$exe" ] || { echo "package.sh: $builddir/$exe is not built (run without --no-build)" >&2; exit 1; }
done
mkdir -p "$out"
rm -f "$out"/warp-studio_*.deb
# cpack's install step builds nothing (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY, packaging/CMakeLists.txt).
cpack --config "$builddir/CPackConfig.cmake" -B "$out" >&2
rm -rf "$out/_CPack_Packages"
ls "$out"/warp-studio_*.deb
