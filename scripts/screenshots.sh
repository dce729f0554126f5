#!/usr/bin/env bash
# Renders docs/screenshots/ from the real desktop app on the demo experiment, under Xvfb:
# Runs + Metrics, Pareto with the fronts, the Merge tab mid-drag, and the samples of a merged point.
#   scripts/screenshots.sh [OUTDIR]      default docs/screenshots
# Makes the demo experiment first when it is not there or not finished (scripts/run.sh without
# the app: about 20 minutes on 2 cores, each step skipped when done), then drives build/app/
# warp-studio-tour (the same MainWindow as warp-studio) on a virtual 1600x1000 screen; each picture
# is `import -window root` of that screen, once in the light look (NAME.png) and once in the dark one
# (NAME-dark.png). Environment: WARP_DEMO_DIR as scripts/run.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
out="$(realpath -m "${1:-docs/screenshots}")"
exp="${WARP_DEMO_DIR:-$HOME/warp-experiments/demo}"
WARP_NO_GUI=1 bash scripts/run.sh   # setup (packages, build) + the demo pipeline; skips what is done
tour="${WARP_BUILD_DIR:-build}/app/warp-studio-tour"
[ -x "$tour" ] || { echo "screenshots: $tour is missing (a build with the GUI is needed)" >&2; exit 1; }
command -v import >/dev/null || { echo "screenshots: ImageMagick's import is missing (scripts/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$out"
export OMP_WAIT_POLICY=PASSIVE
unset QT_QPA_PLATFORM   # the xcb platform on the Xvfb display, as on a desktop
for look in light dark; do
  xvfb-run -a -s "-screen 0 1600x1000x24" "$tour" "$out" "$exp" --driver warp --iteration 2 --appearance "$look"
done
echo "screenshots: written to $out"
ls -l "$out"
