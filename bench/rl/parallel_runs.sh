#!/usr/bin/env bash
# How to split the cores between the M parallel RL runs of a WARP iteration: runs M `warp train`
# processes at once for each threads-per-run setting, and M runs one after the other with all
# threads, on the same experiment, and prints the wall time of each layout and its throughput
# (total RL steps per second over the M runs). Each layout trains fresh runs from θ_sft with the
# experiment's RL settings and --steps STEPS; the runs are made in a scratch copy of the experiment
# (config, task data, tokenizer, sft.h5, and rm.h5 when present), deleted at the end.
#
#   bench/rl/parallel_runs.sh WARP_BINARY EXPERIMENT_DIR [M=2] [STEPS=20] [THREADS_LIST="1 2"]
#
# Example (demo experiment of scripts/run.sh):
#   bench/rl/parallel_runs.sh build/app/warp ~/warp-experiments/demo 2 20 "1 2"
set -euo pipefail

warp=${1:?usage: parallel_runs.sh WARP_BINARY EXPERIMENT_DIR [M] [STEPS] [THREADS_LIST]}
src=${2:?usage: parallel_runs.sh WARP_BINARY EXPERIMENT_DIR [M] [STEPS] [THREADS_LIST]}
m=${3:-2}
steps=${4:-20}
threads_list=${5:-"1 2"}
cores=$(nproc)
[[ -x $warp ]] || { echo "parallel_runs.sh: $warp is not an executable" >&2; exit 2; }
[[ -f $src/checkpoints/sft.h5 ]] || { echo "parallel_runs.sh: $src/checkpoints/sft.h5 missing (run warp sft first)" >&2; exit 2; }

scratch=$(mktemp -d /tmp/warp-bench-parallel.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
exp=$scratch/exp
mkdir -p "$exp/checkpoints"
cp -r "$src/config.json" "$src/data" "$src/tokenizer" "$exp/"
cp "$src/checkpoints/sft.h5" "$exp/checkpoints/"
[[ -f $src/checkpoints/rm.h5 ]] && cp "$src/checkpoints/rm.h5" "$exp/checkpoints/"

now() { date +%s.%N; }
# run_layout NAME PARALLEL THREADS: M runs, PARALLEL at a time, THREADS each.
run_layout() {
  local name=$1 parallel=$2 threads=$3 start end pids=() i
  start=$(now)
  for ((i = 1; i <= m; i++)); do
    "$warp" train --exp "$exp" --name "$name-$i" --steps "$steps" --seed "$i" --prompt-seed "$i" \
      --threads "$threads" --eval-every "$steps" > "$scratch/$name-$i.log" 2>&1 &
    pids+=($!)
    if ((${#pids[@]} >= parallel)); then wait "${pids[@]}"; pids=(); fi
  done
  ((${#pids[@]} > 0)) && wait "${pids[@]}"
  end=$(now)
  awk -v n="$name" -v s="$start" -v e="$end" -v m="$m" -v t="$steps" -v p="$parallel" -v th="$threads" \
    'BEGIN { w = e - s; printf "%-22s %d at a time x %d threads  wall %7.1f s  %6.2f steps/s\n", n, p, th, w, m * t / w }'
}

echo "parallel_runs: M=$m runs of $steps steps, $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  (RL settings: the experiment's; each run also evaluates at step 0 and at the end)"
for t in $threads_list; do run_layout "par-t$t" "$m" "$t"; done
run_layout "seq-t$cores" 1 "$cores"
