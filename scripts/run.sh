#!/usr/bin/env bash
# Sets up and builds WARP Studio (scripts/setup.sh), then runs the main job on the embedded demo
# experiment: opens the desktop app (warp-studio) on it when there is a display, and runs the demo
# pipeline that the app follows live: create the demo experiment, prepare the data and pretrain the
# policy (warp sft), train the reward model (warp rm),
# run two iterations of WARP (warp run: 2 parallel EMA-anchored RL runs per iteration, SLERP, the
# LITI front), then sample from θ_sft and from the final WARP policy. Every step resumes if
# interrupted and is skipped when done, so running this again only prints the results.
# About 20 minutes on a 2-core laptop for the demo preset.
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
# The desktop app follows the runs live from the experiment database while the pipeline below runs
# (closing it stops nothing). Without a display (a server, CI) the pipeline runs headless.
studio="${WARP_BUILD_DIR:-build}/app/warp-studio"
if [ -x "$studio" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${WARP_NO_GUI:-}" ]; then
  "$studio" "$exp" > /dev/null 2>&1 &
  echo "warp-studio is showing $exp (pid $!)"
else
  echo "No display (or WARP_NO_GUI set): running headless. Watch it with: $studio $exp"
fi
"$warp" sft --exp "$exp"
"$warp" rm --exp "$exp"
"$warp" run --exp "$exp" --iterations 2
final=$(ls "$exp"/checkpoints/warp-i2-eta0.30.h5)
for ckpt in "$exp/checkpoints/sft.h5" "$final"; do
  echo
  echo "Samples from $ckpt:"
  for prompt in "The jury said" "She looked at the" "In the morning"; do
    "$warp" sample --ckpt "$ckpt" --prompt "$prompt" --n 3 --temperature 0.9 --max-new-tokens 24 --seed 1
  done
done
