#!/usr/bin/env bash
# Sets up and builds WARP Studio (scripts/setup.sh), then runs the whole test suite with CTest.
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L core
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/setup.sh
builddir="${WARP_BUILD_DIR:-build}"

# The boundary: core, the CLI and the core tests must build without Qt (-DWARP_BUILD_GUI=OFF), as on
# a GPU server. A second build folder with the same ccache settings as setup.sh, so its objects are
# cache hits of the first build and this costs about the links and a configure. The core tests are
# built here (not run: they run in $builddir, where they link no Qt either), so a core test that
# reached for Qt would fail CI. WARP_NOGUI_CHECK=0 skips it.
if [ "${WARP_NOGUI_CHECK:-1}" != 0 ]; then
  nogui="${WARP_NOGUI_BUILD_DIR:-build-nogui}"
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/warp-studio/ccache}"
  export CCACHE_BASEDIR="$here"
  export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  export CCACHE_NOHASHDIR=true
  start=$SECONDS
  if [ ! -f "$nogui/build.ninja" ]; then
    cmake -S . -B "$nogui" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWARP_BUILD_GUI=OFF -DWARP_BUILD_BENCH=OFF >/dev/null
  fi
  cmake --build "$nogui" -j "${WARP_JOBS:-$(nproc)}"
  echo "test.sh: the build without Qt ($nogui) took $((SECONDS - start)) s"
fi
# ASan + UBSan (docs/reliability.md): in a third build folder, core, the CLI and every core unit test
# (CTest label core, not slow), run under the sanitizers; the `warp` and `warp-h5check` they start
# are sanitized too. LibTorch, HDF5, SQLite and Qt are Debian's uninstrumented libraries; our code,
# the memory it hands them and the calls into them are checked. The LibTorch headers are
# precompiled as in build/ (cold: about 35 min of both cores; warm: the links). The fuzz targets
# (ctest -L fuzz) cover the parsers further. WARP_SANITIZE_CHECK=0 skips it.
if [ "${WARP_SANITIZE_CHECK:-1}" != 0 ]; then
  san="${WARP_SANITIZE_BUILD_DIR:-build-sanitize}"
  start=$SECONDS
  # (A folder configured before the LibTorch tests joined has the headers' PCH off: configure again.)
  if [ ! -f "$san/build.ninja" ] || grep -q '^WARP_PCH:BOOL=OFF' "$san/CMakeCache.txt" 2>/dev/null; then
    cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWARP_BUILD_GUI=OFF -DWARP_BUILD_BENCH=OFF \
      -DWARP_PCH=ON -DWARP_SANITIZE=address,undefined >/dev/null
  fi
  cmake --build "$san" -j "${WARP_JOBS:-$(nproc)}"
  # Idle OpenMP threads must not spin (as below); the formatting check is not a unit test.
  OMP_WAIT_POLICY=PASSIVE ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$san" --output-on-failure -j "${WARP_TEST_JOBS:-2}" -L '^core$' -LE '^slow$' -E '^format_check$'
  echo "test.sh: the sanitizer build and its tests ($san) took $((SECONDS - start)) s"
fi
export QT_QPA_PLATFORM=offscreen
# Idle OpenMP threads must not spin on a shared 2-core machine (see core/util/compute_env.h).
export OMP_WAIT_POLICY=PASSIVE
# glibc's malloc thresholds of core/util/compute_env.h: set here, no `warp` a test starts re-executes.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456
# Two test processes at a time on this 2-core machine class; each test uses one compute thread.
ctest --test-dir "$builddir" --output-on-failure -j "${WARP_TEST_JOBS:-2}" "$@"
