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
# ASan + UBSan (docs/reliability.md): in a third build folder, the LibTorch-free libraries and their
# tests, and the LibTorch tests of the model (KV cache, kept prompt prefixes, sampler), the merge
# (kernels, streaming file merge) and the store (checkpoints, safetensors, Hugging Face files), with
# the LibTorch headers precompiled as in build/ (cold: about 6 min of both cores; warm: the links). LibTorch-side parsers are also covered by the fuzz
# targets (ctest -L fuzz). WARP_SANITIZE_CHECK=0 skips it.
if [ "${WARP_SANITIZE_CHECK:-1}" != 0 ]; then
  san="${WARP_SANITIZE_BUILD_DIR:-build-sanitize}"
  start=$SECONDS
  # (A folder configured before the LibTorch tests joined has the headers' PCH off: configure again.)
  if [ ! -f "$san/build.ninja" ] || grep -q '^WARP_PCH:BOOL=OFF' "$san/CMakeCache.txt" 2>/dev/null; then
    cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWARP_BUILD_GUI=OFF -DWARP_BUILD_BENCH=OFF \
      -DWARP_PCH=ON -DWARP_SANITIZE=address,undefined >/dev/null
  fi
  san_tests=(test_util test_run_name test_data_corpus test_data_prompts test_data_paths test_figure
             test_reward_lexicon test_bpe test_bpe_train test_token_file test_gpt2_parity
             test_config test_db test_signal_run test_journal test_h5check
             test_prompt_prefix test_token_stats test_sampler test_merge test_store)
  cmake --build "$san" -j "${WARP_JOBS:-$(nproc)}" --target "${san_tests[@]}"
  regex="^($(IFS='|'; echo "${san_tests[*]}"))\$"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$san" --output-on-failure -j "${WARP_TEST_JOBS:-2}" -R "$regex"
  echo "test.sh: the sanitizer build and its tests ($san) took $((SECONDS - start)) s"
fi
export QT_QPA_PLATFORM=offscreen
# Idle OpenMP threads must not spin on a shared 2-core machine (see core/util/compute_env.h).
export OMP_WAIT_POLICY=PASSIVE
# glibc's malloc thresholds of core/util/compute_env.h: set here, no `warp` a test starts re-executes.
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456
# Two test processes at a time on this 2-core machine class; each test uses one compute thread.
ctest --test-dir "$builddir" --output-on-failure -j "${WARP_TEST_JOBS:-2}" "$@"
