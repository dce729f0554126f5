#!/usr/bin/env bash
# Renders the application icon's PNG sizes from resources/icons/warp-studio.svg (the one source)
# into resources/icons/hicolor/<N>x<N>/apps/warp-studio.png, which are committed: the build and the
# package use them as they are, so building needs no SVG renderer. Rerun after editing the SVG.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }
svg="$here/resources/icons/warp-studio.svg"
for n in 16 24 32 48 64 128 256 512; do
  out="$here/resources/icons/hicolor/${n}x${n}/apps/warp-studio.png"
  mkdir -p "$(dirname "$out")"
  rsvg-convert -w "$n" -h "$n" "$svg" -o "$out"
done
echo "render-icons: wrote $(ls "$here"/resources/icons/hicolor | wc -l) sizes"
