#!/usr/bin/env bash
# The GPU path of WARP Studio, end to end, on a machine with an NVIDIA GPU and a CUDA LibTorch
# (docs/gpu.md). Needs no internet. Steps, each reported PASS / FAIL / NOT RUN in the summary:
#
#   1. build    core + the warp CLI + test_gpu + the benchmarks against the LibTorch that Torch_DIR
#               names or that `python3 -c 'import torch; print(torch.utils.cmake_prefix_path)'` finds
#               (no Qt: -DWARP_BUILD_GUI=OFF), in --build (default build-gpu)
#   2. pipeline the smoke preset on the device: warp init, sft, rm, train, run (1 WARP iteration,
#               2 runs, its merge and front), each with --device cuda; then `warp eval` of the same
#               policy on the device and on the CPU, whose figures must agree
#   3. tests    test_gpu (CTest label gpu) with --device cuda: device against CPU for the forward,
#               the gradients, sampling, an RL step, a merge and a checkpoint; transformers'
#               GPT2LMHeadModel against the engine on an exported GPT-2-small-shaped model and on
#               the `warp export` of step 2's SFT policy (max |diff| of the logits must be < 1e-4)
#   4. bench    bench_model and bench_rl at GPT-2 small (124M) on the device, each beside the same
#               computation in PyTorch eager in the same run: SFT train-step tokens/s, sampling
#               tokens/s, RL step time
# On a machine without CUDA it builds, runs test_gpu's comparisons CPU against CPU (--device cpu)
# and says that the GPU part was not run.
#
# Usage: scripts/gpu-check.sh [--build DIR] [--out DIR] [--debs DIR] [--data DIR] [--jobs N]
#                             [--python PATH] [--skip-bench] [--configure-only]
#   --debs DIR   a folder of Debian .deb files (HDF5, SQLite, OpenSSL, PCRE2, nlohmann-json, CLI11,
#                GoogleTest and the libraries they need) to use where apt cannot install them: they
#                are unpacked into DIR/root, and only the shared libraries the machine lacks are put
#                on LD_LIBRARY_PATH. Make one on a Debian 12 machine with
#   scripts/gpu-check.sh --fetch-debs DIR
#   --data DIR   the npm data folder (scripts/fetch-data.sh; default $WARP_DATA_DIR or
#                ~/.cache/warp-studio/data)
#   --out DIR    where the logs and summary.txt go (default BUILD/gpu-check)
# Exit status: 0 when every step that ran passed, 1 otherwise, 2 for bad usage.
set -uo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$src/build-gpu"
out=""
debs=""
data="${WARP_DATA_DIR:-$HOME/.cache/warp-studio/data}"
jobs="$(nproc)"
python="$(command -v python3 || echo /usr/bin/python3)"
bench=1
configure_only=0

# The Debian 12 packages step 1 needs; --fetch-debs adds the libraries they need in turn.
deb_packages=(libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0 libsqlite3-dev libsqlite3-0 libssl-dev libssl3
  libpcre2-dev libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 nlohmann-json3-dev libcli11-dev libgtest-dev
  libcurl4 zlib1g pkgconf libpkgconf3 pkgconf-bin)

die() { echo "gpu-check: $*" >&2; exit 2; }
say() { echo "gpu-check: $*" >&2; }

if [ "${1:-}" = "--fetch-debs" ]; then
  [ $# = 2 ] || die "usage: scripts/gpu-check.sh --fetch-debs DIR"
  mkdir -p "$2" && cd "$2" || die "cannot use $2"
  # The packages and everything they depend on, less what every Linux system has (libc, libstdc++).
  mapfile -t all < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${deb_packages[@]}" | grep -v '^ ' | grep -v '^<' | sort -u |
    grep -v -E '^(libc6|libc-dev-bin|libc6-dev|libgcc-s1|libstdc\+\+6|gcc-12-base|libcrypt1|libcrypt-dev|linux-libc-dev|debconf|dpkg|perl-base|tar|install-info|debianutils|libselinux1)$' |
    # Alternatives and parts that nothing here links: other curl flavours, Fortran, JPEG, C++ HDF5.
    grep -v -E '^(libcurl3-nss|libcurl3-gnutls|libcurl4-(nss|gnutls|openssl)-dev|libnss3|libnspr4|nss-plugin-pem|libgfortran5|libquadmath0|libhdf5-(hl-)?(fortran|cpp)-.*|libjpeg.*|libtirpc-dev|libnsl-dev|rpcsvc-proto|hdf5-helpers|googletest)$')
  apt-get download "${all[@]}" >/dev/null || die "apt-get download failed"
  say "$(ls -1 *.deb | wc -l) packages ($(du -sh . | cut -f1)) in $2"
  exit 0
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$(realpath -m "$2")"; shift 2 ;;
    --out) out="$(realpath -m "$2")"; shift 2 ;;
    --debs) debs="$(realpath "$2")" || die "--debs: no folder $2"; shift 2 ;;
    --data) data="$(realpath "$2")" || die "--data: no folder $2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    --skip-bench) bench=0; shift ;;
    --configure-only) configure_only=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || out="$build/gpu-check"
mkdir -p "$build" "$out" || die "cannot create $build or $out"
summary="$out/summary.txt"
: >"$summary"
failed=0
record() {  # record STEP STATUS DETAIL
  printf '%-9s %-8s %s\n' "$1" "$2" "$3" | tee -a "$summary" >&2
  [ "$2" = FAIL ] && failed=1
  return 0
}
t0=$SECONDS
secs() { echo "$((SECONDS - $1)) s"; }

# ---- the machine -------------------------------------------------------------------------------
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(uname -srm), $(nproc) CPUs"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader
  "$python" -c 'import torch, sys; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1
  "$python" -c 'import transformers; print("transformers", transformers.__version__)' 2>&1 | tail -1
  cmake --version | head -1
  c++ --version | head -1
} | tee "$out/machine.txt" >&2
cuda=0
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then cuda=1; fi

# ---- dependencies from .deb files --------------------------------------------------------------
cmake_args=()
if [ -n "$debs" ]; then
  root="$debs/root"
  if [ ! -f "$root/.unpacked" ]; then
    rm -rf "$root" && mkdir -p "$root"
    for f in "$debs"/*.deb; do dpkg-deb -x "$f" "$root" || die "cannot unpack $f"; done
    touch "$root/.unpacked"
  fi
  arch_lib="$root/usr/lib/x86_64-linux-gnu"
  # Shared libraries the machine lacks (by soname) go on LD_LIBRARY_PATH through one folder of
  # links; the machine's own copies of the others stay in use.
  missing="$debs/missing-libs"
  rm -rf "$missing" && mkdir -p "$missing"
  have="$(ldconfig -p 2>/dev/null)"
  while IFS= read -r lib; do
    name="$(basename "$lib")"
    grep -q "^[[:space:]]$name " <<<"$have" || ln -sf "$lib" "$missing/$name"
  done < <(find "$root/lib" "$root/usr/lib" -name 'lib*.so.*' \( -type f -o -type l \) 2>/dev/null | grep -E '\.so\.[0-9]+$')
  export LD_LIBRARY_PATH="$missing${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "from $debs: $(ls "$missing" | wc -l) shared libraries the machine lacks: $(ls "$missing" | tr '\n' ' ')"
  hdf5_lib="$arch_lib/hdf5/serial"
  cmake_args+=(
    "-DSQLite3_INCLUDE_DIR=$root/usr/include" "-DSQLite3_LIBRARY=$arch_lib/libsqlite3.so"
    "-DHDF5_C_COMPILER_EXECUTABLE=" "-DHDF5_C_INCLUDE_DIR=$root/usr/include/hdf5/serial"
    "-DHDF5_C_LIBRARY_hdf5=$hdf5_lib/libhdf5.so" "-DHDF5_C_LIBRARY_hdf5_hl=$hdf5_lib/libhdf5_hl.so"
    "-DOPENSSL_ROOT_DIR=$root/usr" "-DOPENSSL_INCLUDE_DIR=$root/usr/include"
    "-DOPENSSL_CRYPTO_LIBRARY=$arch_lib/libcrypto.so" "-DOPENSSL_SSL_LIBRARY=$arch_lib/libssl.so"
    "-Dnlohmann_json_DIR=$root/usr/share/cmake/nlohmann_json" "-DCLI11_DIR=$root/usr/share/cmake/CLI11"
    "-DGTest_DIR=$arch_lib/cmake/GTest")
  # pkg-config for PCRE2: the machine's, else the unpacked one; it reads the unpacked .pc files.
  # The .pc files name prefix=/usr: PKG_CONFIG_SYSROOT_DIR maps their paths into the unpacked root.
  export PKG_CONFIG_LIBDIR="$arch_lib/pkgconfig:$root/usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$root"
  if ! command -v pkg-config >/dev/null; then cmake_args+=("-DPKG_CONFIG_EXECUTABLE=$root/usr/bin/pkgconf"); fi
  # The unpacked headers (sqlite3.h, openssl/, pcre2.h, nlohmann/, CLI/, gtest/) for every target.
  export CPATH="$root/usr/include:$root/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$arch_lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
fi

# ---- 1. build ----------------------------------------------------------------------------------
torch_prefix="${Torch_DIR:-}"
if [ -z "$torch_prefix" ]; then
  torch_prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)" || torch_prefix=""
  [ -n "$torch_prefix" ] && torch_prefix="$torch_prefix/Torch"
  # A Python torch without its CMake files (Debian's python3-torch): let CMake find LibTorch.
  [ -f "$torch_prefix/TorchConfig.cmake" ] || torch_prefix=""
fi
[ -n "$torch_prefix" ] && cmake_args+=("-DTorch_DIR=$torch_prefix")
# The C++ standard LibTorch's headers ask for (recent ones refuse C++17).
std=17
if [ -n "$torch_prefix" ]; then
  inc="$(realpath -m "$torch_prefix/../../../include")"
  if grep -rqs "C++20 or later compatible compiler is required" "$inc/c10/macros" "$inc/torch/csrc/api/include/torch" 2>/dev/null; then
    std=20
  fi
fi
gen=()
keep_going=(-k)  # report every compile error at once
command -v ninja >/dev/null && gen=(-G Ninja) && keep_going=(-k 0)
say "step 1: configure and build in $build (LibTorch: ${torch_prefix:-found by CMake}, C++$std)"
s=$SECONDS
configure() {
  CMAKE_POLICY_VERSION_MINIMUM=3.5 cmake -S "$src" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWARP_BUILD_GUI=OFF -DWARP_BUILD_TESTS=ON -DWARP_BUILD_BENCH=ON -DCMAKE_CXX_STANDARD=$std \
    -DCMAKE_POLICY_VERSION_MINIMUM=3.5 "${cmake_args[@]}" "$@"
}
torch_how="LibTorch's CMake config"
if ! configure -DWARP_TORCH_ROOT= >"$out/configure.log" 2>&1; then
  # LibTorch's CMake config of a Python torch with CUDA wants a CUDA toolkit like the one it was
  # built with; the library itself needs none. Use its include/ and lib/ directly instead.
  torch_pkg="$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)"
  abi="$("$python" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null)"
  tail -15 "$out/configure.log" >&2
  say "configuring with LibTorch's CMake config failed (above); trying -DWARP_TORCH_ROOT=$torch_pkg"
  rm -f "$build/CMakeCache.txt"
  if [ -z "$torch_pkg" ] || ! configure -DWARP_TORCH_ROOT="$torch_pkg" -DWARP_TORCH_CXX11_ABI="${abi:-1}" \
       >"$out/configure2.log" 2>&1; then
    tail -40 "$out/configure2.log" >&2
    record build FAIL "$(secs $s): cmake failed, see $out/configure.log and configure2.log"
    exit 1
  fi
  torch_how="WARP_TORCH_ROOT=$torch_pkg"
fi
if [ "$configure_only" = 1 ]; then
  say "configured in $build (--configure-only)"
  exit 0
fi
if cmake --build "$build" -j "$jobs" --target warp warp-h5check test_gpu bench_model bench_rl -- "${keep_going[@]}" \
     >"$out/build.log" 2>&1; then
  record build PASS "$(secs $s): warp, test_gpu, bench_model, bench_rl (C++$std, $torch_how)"
else
  grep -E "error|Error" "$out/build.log" | head -40 >&2
  record build FAIL "$(secs $s): see $out/build.log"
  exit 1
fi
warp="$build/app/warp"
dev=cpu
[ "$cuda" = 1 ] && dev=cuda
export OMP_WAIT_POLICY=PASSIVE WARP_DATA_DIR="$data"

# ---- 2. pipeline -------------------------------------------------------------------------------
sft_ckpt=""
if [ "$cuda" = 1 ]; then
  say "step 2: the smoke pipeline with --device cuda"
  s=$SECONDS
  exp="$build/gpu-check-exp"
  rm -rf "$exp"
  log="$out/pipeline.log"
  : >"$log"
  step() { echo "\$ $*" >>"$log"; "$@" >>"$log" 2>&1; }
  if step "$warp" init --preset smoke "$exp" &&
     step "$warp" sft --exp "$exp" --device cuda &&
     step "$warp" rm --exp "$exp" --device cuda &&
     step "$warp" train --exp "$exp" --name ema-1 --device cuda &&
     step "$warp" run --exp "$exp" --name warp --iterations 1 --runs 2 --eta-grid 0,0.5,1 --device cuda &&
     # A copy of the experiment for the CPU: each evaluates ema-1 afresh (the evaluation cache in
     # experiment.db would otherwise answer the second from the first).
     rm -rf "$exp-cpu" && cp -a "$exp" "$exp-cpu" &&
     "$warp" eval --exp "$exp" --ckpt "$exp/checkpoints/ema-1.h5" --json --device cuda >"$out/eval-cuda.json" 2>>"$log" &&
     "$warp" eval --exp "$exp-cpu" --ckpt "$exp-cpu/checkpoints/ema-1.h5" --json --device cpu >"$out/eval-cpu.json" 2>>"$log"; then
    sft_ckpt="$exp/checkpoints/sft.h5"
    # The same prompts, seeds and policy: the figures agree up to float rounding (a token whose
    # sampling CDF boundary moves would show as a larger difference).
    compare='
import json, sys
ja, jb = (json.load(open(p)) for p in sys.argv[1:3])
a, b = ja["point"], jb["point"]
if ja.get("cached") or jb.get("cached"):
    sys.exit("an evaluation came from the cache, not from its device")
bad = []
for k in ("reward", "gold", "kl_sft", "kl_sft_sampled", "length"):
    d = abs(a[k] - b[k])
    print(f"{k}: cuda {a[k]:.6f} cpu {b[k]:.6f} |diff| {d:.1e}")
    if d > 1e-3 * max(1.0, abs(b[k])):
        bad.append(k)
sys.exit(1 if bad else 0)
'
    if cmp_out="$("$python" -c "$compare" "$out/eval-cuda.json" "$out/eval-cpu.json" 2>&1)"; then
      record pipeline PASS "$(secs $s): init, sft, rm, train, run (merge + front), eval on cuda; eval cuda = cpu: $(echo "$cmp_out" | tr '\n' ';')"
    else
      record pipeline FAIL "$(secs $s): eval on cuda and cpu disagree: $(echo "$cmp_out" | tr '\n' ';')"
    fi
  else
    tail -30 "$log" >&2
    record pipeline FAIL "$(secs $s): see $log"
  fi
else
  record pipeline "NOT RUN" "no CUDA device"
fi

# ---- 3. tests ----------------------------------------------------------------------------------
s=$SECONDS
export WARP_TEST_PYTHON="$python"
[ -n "$sft_ckpt" ] && export WARP_GPU_CHECK_CHECKPOINT="$sft_ckpt"
if [ "$cuda" = 1 ]; then
  say "step 3: ctest -L gpu (test_gpu --device cuda)"
  if (cd "$build" && ctest -L gpu --output-on-failure -V) >"$out/tests.log" 2>&1; then
    if grep -q "SKIPPED \]" "$out/tests.log"; then
      record tests FAIL "$(secs $s): some tests skipped: $(grep -o 'SKIPPED \] [A-Za-z.]*' "$out/tests.log" | sort -u | tr '\n' ' ')"
    else
      record tests PASS "$(secs $s): $(grep -c '^.*\[       OK \]' "$out/tests.log") tests; $(grep -h -o 'max |diff| logits = [0-9.e+-]*' "$out/tests.log" | tr '\n' ';')"
    fi
  else
    grep -E "FAILED|Failure|error" "$out/tests.log" | head -20 >&2
    record tests FAIL "$(secs $s): see $out/tests.log"
  fi
else
  say "step 3: test_gpu --device cpu (the comparisons CPU against CPU: checks the tests themselves)"
  (cd "$build" && env WARP_TEST_TMP="$build/test-tmp" WARP_SOURCE_DIR="$src" WARP_BINARY_DIR="$build" \
     WARP_EXE="$warp" WARP_H5CHECK="$build/app/warp-h5check" OMP_NUM_THREADS=1 \
     tests/core/gpu/test_gpu --device cpu) >"$out/tests.log" 2>&1
  rc=$?
  if [ $rc = 0 ]; then
    skipped="$(grep -o 'SKIPPED \] [A-Za-z0-9]*\.[A-Za-z0-9]*' "$out/tests.log" | sort -u | sed 's/SKIPPED \] //' | tr '\n' ' ')"
    record tests PASS "$(secs $s): test_gpu --device cpu${skipped:+ (skipped: $skipped)}; with --device cuda NOT RUN (no CUDA device)"
  else
    tail -30 "$out/tests.log" >&2
    record tests FAIL "$(secs $s): test_gpu --device cpu exit $rc, see $out/tests.log"
  fi
fi

# ---- 4. bench ----------------------------------------------------------------------------------
if [ "$cuda" = 1 ] && [ "$bench" = 1 ]; then
  say "step 4: bench_model and bench_rl at GPT-2 small on cuda, beside PyTorch eager"
  s=$SECONDS
  if "$build/bench/model/bench_model" --device cuda --size gpt2-small --python "$python" --warmup 2 --reps 7 \
       >"$out/bench_model.txt" 2>&1 &&
     "$build/bench/rl/bench_rl" --device cuda --size gpt2-small --python "$python" --rounds 1 --warmup 2 --reps 5 \
       >"$out/bench_rl.txt" 2>&1; then
    record bench PASS "$(secs $s): $out/bench_model.txt, $out/bench_rl.txt"
    cat "$out/bench_model.txt" "$out/bench_rl.txt" >&2
  else
    tail -20 "$out/bench_model.txt" "$out/bench_rl.txt" >&2
    record bench FAIL "$(secs $s): see $out/bench_model.txt and $out/bench_rl.txt"
  fi
elif [ "$bench" = 1 ]; then
  record bench "NOT RUN" "no CUDA device"
else
  record bench "NOT RUN" "--skip-bench"
fi

[ "$cuda" = 1 ] || say "the GPU part was NOT run: no CUDA device here (torch.cuda.is_available() is false for $python)"
say "done in $(secs $t0); summary in $summary"
cat "$summary"
exit $failed
