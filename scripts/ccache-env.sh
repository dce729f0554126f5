# Sourced by scripts/setup.sh and scripts/test.sh (needs $here, the source tree): the ccache
# settings every build folder shares, so the LibTorch-heavy objects are cache hits across clean
# clones and across build/, build-sanitize/ and build-sanitize-gui/.
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/warp-studio/ccache}"
export CCACHE_BASEDIR="$here"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# With -g, ccache keys objects by the build folder too unless told not to; without it the other
# build folders would compile everything again.
export CCACHE_NOHASHDIR=true
