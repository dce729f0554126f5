#!/usr/bin/env bash
# Sets up everything WARP Studio needs on Debian 12 and builds it into build/.
# Idempotent: a second run installs nothing and rebuilds incrementally.
#
#   scripts/setup.sh [--no-build] [--no-data] [--no-gui]
#
# Environment: WARP_BUILD_DIR (default build), WARP_DATA_DIR (npm data cache, see fetch-data.sh),
#              WARP_JOBS (parallel compile jobs, default: number of cores).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

build=1; data=1; gui=ON
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --no-data) data=0 ;;
    --no-gui) gui=OFF ;;
    *) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

# Debian packages. libopenblas0-pthread matters: without it LibTorch uses the reference BLAS (~15x slower).
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread python3-torch python3-numpy
  libhdf5-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libcli11-dev libpcre2-dev libgtest-dev
  nodejs npm
  clang  # libFuzzer targets of tests/fuzz (docs/reliability.md)
  clang-format  # scripts/format.sh and .clang-format
  slurmctld slurmd slurm-client munge  # the single-node Slurm cluster of the tests of label slurm (docs/slurm.md)
)
if [ "$gui" = ON ]; then
  packages+=(qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqcustomplot-dev libgl-dev
             xvfb xauth imagemagick)
  # scripts/package.sh (the .deb): CPack DEB finds the ELF files with `file`; dpkg-shlibdeps is in dpkg-dev.
  packages+=(file dpkg-dev)
fi

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from elsewhere (e.g. NodeSource, which bundles npm): accept working commands.
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "$data" = 1 ]; then
  bash scripts/fetch-data.sh >/dev/null
fi

if [ "$build" = 1 ]; then
  builddir="${WARP_BUILD_DIR:-build}"
  jobs="${WARP_JOBS:-$(nproc)}"
  # ccache keeps rebuilds of the LibTorch-heavy sources cheap across clean clones.
  . scripts/ccache-env.sh
  if [ ! -f "$builddir/build.ninja" ]; then
    cmake -S . -B "$builddir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWARP_BUILD_GUI="$gui"
  fi
  cmake --build "$builddir" -j "$jobs"
fi
