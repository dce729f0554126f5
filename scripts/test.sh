#!/usr/bin/env bash
# Sets up and builds WARP Studio (scripts/setup.sh), then runs the whole test suite with CTest.
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L core
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/setup.sh
builddir="${WARP_BUILD_DIR:-build}"
export QT_QPA_PLATFORM=offscreen
# Idle OpenMP threads must not spin on a shared 2-core machine (see core/util/omp_env.h).
export OMP_WAIT_POLICY=PASSIVE
# Two test processes at a time on this 2-core machine class; each test uses one compute thread.
ctest --test-dir "$builddir" --output-on-failure -j "${WARP_TEST_JOBS:-2}" "$@"
