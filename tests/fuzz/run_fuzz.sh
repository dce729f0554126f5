#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) and runs them.
#
#   tests/fuzz/run_fuzz.sh build                   configure + build every target
#   tests/fuzz/run_fuzz.sh TARGET SECONDS [ARGS]   replay tests/fuzz/regressions/TARGET, then fuzz
#                                                  for SECONDS from tests/fuzz/corpus/TARGET
# TARGET: json, tokenizer, safetensors, checkpoint. CI (CTest label fuzz) runs each for a few
# seconds; longer runs: see docs/reliability.md. New inputs go to a scratch corpus (the committed
# corpus is not changed); a crash leaves its input in $WARP_FUZZ_BUILD/artifacts/TARGET/, which,
# once fixed, is committed to tests/fuzz/regressions/TARGET/.
#
# Environment: WARP_FUZZ_BUILD (default build-fuzz), WARP_MAIN_BUILD (default build: the main build,
# whose libwarp_model.a the LibTorch-dependent target links; without it json, tokenizer, checkpoint).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fbuild="${WARP_FUZZ_BUILD:-$root/build-fuzz}"
main="${WARP_MAIN_BUILD:-$root/build}"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/warp-studio/ccache}"
export CCACHE_BASEDIR="$root"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_NOHASHDIR=true

build() {
  local main_arg=""
  if [ -f "$main/core/model/libwarp_model.a" ]; then main_arg="-DWARP_MAIN_BUILD=$main"; fi
  if [ ! -f "$fbuild/build.ninja" ]; then
    cmake -S "$here" -B "$fbuild" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang $main_arg >/dev/null
  fi
  cmake --build "$fbuild" -j "${WARP_JOBS:-2}" "$@"
}

if [ "${1:-}" = build ]; then
  build
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: run_fuzz.sh build | TARGET SECONDS [libFuzzer args]" >&2
  exit 2
fi
target="$1"; seconds="$2"; shift 2
exe="$fbuild/fuzz_$target"
[ -x "$exe" ] || build --target "fuzz_$target"
# Where libFuzzer reports, one thread per target; ASan/UBSan stop at the first error.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
artifacts="$fbuild/artifacts/$target"
mkdir -p "$artifacts"
common=(-rss_limit_mb=2048 -timeout=20 -artifact_prefix="$artifacts/")

# 1. Every kept finding, once each. 2. Fuzz from the seed corpus into a scratch corpus.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
shopt -s nullglob
regressions=("$here/regressions/$target"/*)
if [ ${#regressions[@]} -gt 0 ]; then
  if ! "$exe" "${common[@]}" "${regressions[@]}" >"$scratch/replay.log" 2>&1; then
    tail -n 40 "$scratch/replay.log"
    echo "run_fuzz.sh: $target: a kept regression input fails again" >&2
    exit 1
  fi
fi
mkdir "$scratch/corpus"
if ! "$exe" "${common[@]}" -seed="${WARP_FUZZ_SEED:-1}" -max_total_time="$seconds" -print_final_stats=1 "$@" \
    "$scratch/corpus" "$here/corpus/$target" >"$scratch/fuzz.log" 2>&1; then
  tail -n 60 "$scratch/fuzz.log"
  echo "run_fuzz.sh: $target: crash; its input is in $artifacts/" >&2
  exit 1
fi
grep -E "^stat::number_of_executed_units|^Done" "$scratch/fuzz.log" || true
echo "run_fuzz.sh: $target: ${#regressions[@]} regression inputs pass, no crash in $seconds s of fuzzing"
