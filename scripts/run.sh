#!/usr/bin/env bash
# Sets up and builds WARP Studio (scripts/setup.sh), then runs the main job on the embedded demo
# experiment. Until the desktop app exists this is the headless demo pipeline, as far as it is
# built: create the demo experiment, prepare the data and pretrain the policy (warp sft: resumes
# if interrupted, skips when done), then sample completions from it.
#
#   scripts/run.sh                   demo experiment in $WARP_DEMO_DIR (default ~/warp-experiments/demo)
#   WARP_PRESET=smoke scripts/run.sh  the tiny preset (seconds)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash scripts/setup.sh
warp="${WARP_BUILD_DIR:-build}/app/warp"
export OMP_WAIT_POLICY=PASSIVE
preset="${WARP_PRESET:-demo}"
exp="${WARP_DEMO_DIR:-$HOME/warp-experiments/$preset}"

if [ ! -f "$exp/config.json" ]; then
  "$warp" init "$exp" --preset "$preset"
fi
"$warp" sft --exp "$exp"
echo
echo "Samples from the SFT policy ($exp/checkpoints/sft.h5):"
for prompt in "The jury said" "She looked at the" "In the morning"; do
  "$warp" sample --ckpt "$exp/checkpoints/sft.h5" --prompt "$prompt" --n 3 --temperature 0.9 --max-new-tokens 24 --seed 1
done
