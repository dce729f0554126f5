#pragma once
// The inner loops of weight merging, on raw contiguous arrays of one parameter tensor.
//
// Notation (DESIGN §5): n elements per tensor, M models, o = θ_init, x_m = θ_m (m = 0..M-1),
// δ_m = x_m − o (the task vectors).
//
// Rules every kernel keeps:
//   - data stay in their storage type T (float or double); each element is lifted to float64,
//     combined in float64 and rounded once when stored;
//   - reductions (‖δ_m‖², <δ_0,δ_1>) accumulate in float64 over fixed blocks of kReduceBlock
//     elements whose partial sums are added in block order: the result does not depend on the
//     number of threads;
//   - one pass over memory per kernel (slerp needs two: sums, then the combination);
//   - `out` may be the same array as x[0] (the SLERP fold writes its accumulator in place), never a
//     partial overlap;
//   - outputs of 4M+ elements are written with non-temporal stores (no read-for-ownership), and the
//     fused loops prefetch ahead of their loads.
// Work is split over LibTorch's intra-op threads (at::parallel_for). The loops are compiled once per
// instruction set (x86-64: baseline SSE2, AVX2, AVX-512) from one source without FMA contraction, and
// every version gives bitwise the same results (kernels_isa below).

#include <cstdint>
#include <string>
#include <vector>

namespace warp::merge_kernels {

// Elements per reduction block (the unit of parallel work and of the fixed summation order).
constexpr int64_t kReduceBlock = int64_t(1) << 14;

// Float64 sums over the task vectors.
struct DeltaSums {
  std::vector<double> sq;  // ‖δ_m‖², one per model
  double dot01 = 0;        // <δ_0, δ_1> when M >= 2, else 0
};

// Sums only (the first pass of SLERP). Every kernel that fills a DeltaSums assigns elements to the
// same lanes and blocks, so their sums of the same inputs are bitwise equal to these.
template <typename T>
DeltaSums delta_sums(const T* o, const T* const* x, int M, int64_t n);

// out[i] = c0·o[i] + Σ_m c[m]·x[m][i]. With `sums`, also fills the task-vector sums in the same pass.
// (Every linear method is this kernel: LERP, LITI, task arithmetic and SLERP's second pass.)
template <typename T>
void combine(T* out, const T* o, double c0, const T* const* x, const double* c, int M, int64_t n, DeltaSums* sums);

// The instruction set the loops run with: "generic" (the build's baseline: SSE2 on x86-64),
// "avx2" or "avx512". On first use the most capable one this build has and this CPU runs is chosen,
// unless the environment variable WARP_MERGE_KERNELS names one (then that one; an error from the
// first kernel call when it is not available). Results are bitwise the same with each.
std::string kernels_isa();
// The ones available here, most basic first ("generic" always).
std::vector<std::string> kernels_isas();
// Switches the instruction set (tests, benchmarks); throws std::invalid_argument when `isa` is not
// available here. Not to be called while kernels run on other threads.
void use_kernels_isa(const std::string& isa);

// TIES trimming of one task vector: coordinate i is kept when |δ_i| > threshold, or
// |δ_i| == threshold and i < tie_end (ties at the threshold are kept in index order, so exactly
// k values are kept; when the threshold is 0, zeros are "kept", which changes nothing).
struct TiesKeep {
  double threshold = 0;
  int64_t tie_end = 0;
};

// Chooses the k largest |δ_i| of one model (1 <= k <= n). `scratch` holds n doubles.
template <typename T>
TiesKeep ties_select(const T* o, const T* x, int64_t n, int64_t k, double* scratch);

// TIES merge (Yadav et al. 2023) from the trimming of each model (keep[m]):
//   s_i = Σ_m kept δ_m,i;  γ_i = sign(s_i);
//   merged_i = mean of the kept δ_m,i with sign(δ_m,i) = γ_i (0 when there are none or γ_i = 0);
//   out_i = o_i + scale·merged_i.
// `sums` (required) receives the sums of the untrimmed task vectors.
template <typename T>
void ties_combine(T* out, const T* o, const T* const* x, const TiesKeep* keep, int M, double scale, int64_t n,
                  DeltaSums* sums);

// DARE (Yu et al. 2024): coordinate i of model m is kept when dare_keep(keys[m], i, dare_threshold(density));
//   out_i = o_i + scale·Σ_m kept δ_m,i / density.
// `sums` (required) receives the sums of the untrimmed task vectors.
template <typename T>
void dare_combine(T* out, const T* o, const T* const* x, const uint64_t* keys, int M, double density, double scale,
                  int64_t n, DeltaSums* sums);

// The random stream of DARE: a counter-based hash (SplitMix64 finaliser) of (key, i) whose top 53
// bits k are a uniform integer in [0, 2^53); coordinate i is kept when k < ceil(density·2^53), i.e.
// when k·2^-53 < density. Pure function of its arguments, so a tensor's mask depends neither on
// thread count nor on the order tensors are merged in.
uint64_t mix64(uint64_t z);
constexpr uint64_t kDareGolden = 0x9E3779B97F4A7C15ull;
uint64_t dare_threshold(double density);
inline bool dare_keep(uint64_t key, int64_t i, uint64_t threshold) {
  return (mix64(key + (static_cast<uint64_t>(i) + 1) * kDareGolden) >> 11) < threshold;
}
// The key of model m's mask for one tensor: derived from the seed, the tensor's name (FNV-1a) and m.
uint64_t dare_key(uint64_t seed, const std::string& tensor_name, int model_index);

}  // namespace warp::merge_kernels
