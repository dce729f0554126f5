#!/usr/bin/env bash
# Sets up and builds WARP Studio (scripts/setup.sh), then runs the whole test suite with CTest.
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L core
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/setup.sh
builddir="${WARP_BUILD_DIR:-build}"

# ASan + UBSan (docs/reliability.md), in two more build folders with the ccache settings of setup.sh
# (scripts/ccache-env.sh), so their objects are cache hits after the first time (cold: about 40 + 8
# min of both cores; warm: the links). LibTorch, HDF5, SQLite and Qt are Debian's uninstrumented
# libraries; our code, the memory it hands them and the calls into them are checked, and the `warp`, `warp-h5check`
# and `warp-plot` the tests start are the sanitized ones. The fuzz targets (ctest -L fuzz) cover the
# parsers further. WARP_SANITIZE_CHECK=0 skips both.
#  - build-sanitize: core, the CLI and every core unit test (CTest label core, not slow), built
#    without Qt (-DWARP_BUILD_GUI=OFF). It is also the boundary check: core, the CLI and the core
#    tests must build without Qt, as on a GPU server, so a core test that reached for Qt fails CI.
#  - build-sanitize-gui: the GUI's Qt Tests (label gui, only the gui_tests target and what it needs).
sanitized_names=()  # the tests the sanitized runs next run: the plain run at the end leaves them out
if [ "${WARP_SANITIZE_CHECK:-1}" != 0 ]; then
  . scripts/ccache-env.sh
  # Idle OpenMP threads must not spin (as below); the formatting check is not a unit test.
  sanitized_ctest() {
    OMP_WAIT_POLICY=PASSIVE ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 QT_QPA_PLATFORM=offscreen \
      ctest --test-dir "$1" --output-on-failure -j "${WARP_TEST_JOBS:-2}" "${@:2}"
  }
  configure_sanitized() {  # folder, GUI ON/OFF
    # (A folder configured before the LibTorch tests joined has the headers' PCH off: configure again.)
    if [ ! -f "$1/build.ninja" ] || grep -q '^WARP_PCH:BOOL=OFF' "$1/CMakeCache.txt" 2>/dev/null; then
      cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWARP_BUILD_GUI="$2" -DWARP_BUILD_BENCH=OFF \
        -DWARP_PCH=ON -DWARP_SANITIZE=address,undefined >/dev/null
    fi
  }
  san="${WARP_SANITIZE_BUILD_DIR:-build-sanitize}"
  start=$SECONDS
  configure_sanitized "$san" OFF
  cmake --build "$san" -j "${WARP_JOBS:-$(nproc)}"
  sanitized_ctest "$san" -L '^core$' -LE '^slow$' -E '^format_check$'
  echo "test.sh: the sanitizer build without Qt and the core unit tests ($san) took $((SECONDS - start)) s"
  sang="${WARP_SANITIZE_GUI_BUILD_DIR:-build-sanitize-gui}"
  start=$SECONDS
  configure_sanitized "$sang" ON
  cmake --build "$sang" -j "${WARP_JOBS:-$(nproc)}" --target gui_tests
  sanitized_ctest "$sang" -L '^gui$'
  echo "test.sh: the sanitizer build of the GUI tests and their run ($sang) took $((SECONDS - start)) s"
  # Both folders are -O2 builds of the same sources as the plain one, the sanitized tests checking
  # strictly more: running those tests a second time, plain, only took CI time (about 2 min).
  mapfile -t sanitized_names < <(
    { ctest --test-dir "$san" -N -L '^core$' -LE '^slow$' -E '^format_check$'; ctest --test-dir "$sang" -N -L '^gui$'; } |
      sed -n 's/^ *Test *#[0-9]*: //p')
fi
export QT_QPA_PLATFORM=offscreen
# Idle OpenMP threads must not spin on a shared 2-core machine (see core/util/compute_env.h).
export OMP_WAIT_POLICY=PASSIVE
# glibc's malloc thresholds of core/util/compute_env.h: set here, no `warp` a test starts re-executes.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456
# Two test processes at a time on this 2-core machine class; each test uses one compute thread.
# Without arguments: every test the sanitized runs above did not run (the slow, fault, fuzz, slurm,
# package and gpu labels and the formatting check). With arguments (e.g. -L core): what they select.
skip=()
if [ $# -eq 0 ] && [ ${#sanitized_names[@]} -gt 0 ]; then
  skip=(-E "^($(IFS='|'; echo "${sanitized_names[*]}"))\$")
  echo "test.sh: the plain run leaves out the ${#sanitized_names[@]} tests run sanitized above"
fi
ctest --test-dir "$builddir" --output-on-failure -j "${WARP_TEST_JOBS:-2}" "${skip[@]}" "$@"
