#!/usr/bin/env bash
# File-to-file merge of a >= 1 GB model: generates θ_init and two models (GPT-shaped float32
# checkpoints, 1.08 GB each by default) with bench_merge, measures the checkpoint read throughput on
# its own (HDF5 + Fletcher32), then runs `/usr/bin/time -v warp merge --method slerp` (one pass over
# the inputs: each is read once through HDF5, and once more by the SHA-256 hasher on another thread)
# and prints its summary, throughput, CPU time (user + system: the work done, whatever the load),
# peak memory ("Maximum resident set size") and the machine's load average before and after it
# (timings on a shared machine). The generated files are deleted.
#
#   bench/merge/run_large.sh BUILD_DIR [SCRATCH_DIR] [-- extra bench_merge gen options, e.g. --layers 10]
#
# BUILD_DIR holds bench/merge/bench_merge and app/warp (without app/warp, the same merge runs through
# `bench_merge merge`, which calls the same merge_checkpoints()).
set -euo pipefail

build=${1:?usage: run_large.sh BUILD_DIR [SCRATCH_DIR] [-- gen options]}
shift
scratch=/tmp/warp-bench-merge-$$
if [[ $# -gt 0 && $1 != "--" ]]; then scratch=$1; shift; fi
[[ $# -gt 0 && $1 == "--" ]] && shift
gen_opts=("$@")

bench="$build/bench/merge/bench_merge"
warp="$build/app/warp"
[[ -x $bench ]] || { echo "run_large.sh: $bench not built" >&2; exit 2; }

mkdir -p "$scratch"
cleanup() { rm -f "$scratch"/init.h5 "$scratch"/a.h5 "$scratch"/b.h5 "$scratch"/merged.h5 "$scratch"/liti.h5 \
                  "$scratch"/time.txt; rmdir "$scratch" 2>/dev/null || true; }
trap cleanup EXIT

echo "== generating θ_init and two models in $scratch"
"$bench" gen "$scratch/init.h5" --seed 1 "${gen_opts[@]}"
"$bench" gen "$scratch/a.h5" --seed 1 --model-seed 2 "${gen_opts[@]}"
"$bench" gen "$scratch/b.h5" --seed 1 --model-seed 3 "${gen_opts[@]}"
ls -l "$scratch"/*.h5
sync  # the generated files on disk: the merges below do not pay for their writeback

echo "== reading each checkpoint alone (page cache warm: the files were just written)"
"$bench" read "$scratch/init.h5" "$scratch/a.h5" "$scratch/b.h5"
echo "== plain sequential read of the same bytes (cat > /dev/null)"
for f in init a b; do
  /usr/bin/time -f "cat $f.h5: %e s" cat "$scratch/$f.h5" > /dev/null
done

run_merge() {  # method, out, then models
  local method=$1 out=$2
  shift 2
  sync
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -x $warp ]]; then
    /usr/bin/time -v "$warp" merge --method "$method" --init "$scratch/init.h5" --models "$@" --out "$out" \
      2> "$scratch/time.txt"
  else
    echo "(no $warp: running bench_merge merge, the same merge_checkpoints())"
    /usr/bin/time -v "$bench" merge --method "$method" --init "$scratch/init.h5" --models "$@" --out "$out" \
      2> "$scratch/time.txt"
  fi
  grep -E "User time|System time|Elapsed \(wall clock\)|Maximum resident set size|Percent of CPU" "$scratch/time.txt" | sed 's/^\s*/  /'
  echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "== warp merge --method slerp (2 models)"
run_merge slerp "$scratch/merged.h5" "$scratch/a.h5" "$scratch/b.h5"
echo "== warp merge --method liti (η 0.3 towards the SLERP merge)"
run_merge liti "$scratch/liti.h5" "$scratch/merged.h5"
ls -l "$scratch"/merged.h5 "$scratch"/liti.h5
