// Inner loops of weight merging (see merge_kernels.h): blocking, threading, partial sums and the
// choice of instruction set. The loops themselves are in merge_kernels_loops.h, compiled once per
// instruction set (merge_kernels_{generic,avx2,avx512}.cpp, -O3 -ffp-contract=off); this file includes
// no LibTorch model code, only at::parallel_for.
#include "merge/merge_kernels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "merge/merge_kernels_isa.h"

namespace warp::merge_kernels {

namespace {

using detail::KernelSet;
using detail::loops_of;

constexpr int kLanes = 8;
// Blocks per parallel task: small tensors (< 8 × 16k elements) run on the calling thread.
constexpr int64_t kGrainBlocks = 8;
// Outputs of at least this many elements (16 MiB of float32) are written with non-temporal stores.
constexpr int64_t kStreamMinElements = int64_t(1) << 22;

double lanes_total(const double* l) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

// ---- instruction sets ------------------------------------------------------------------------------------

// The sets this build has and this CPU runs, from the most basic up.
std::vector<const KernelSet*> runnable_sets() {
  std::vector<const KernelSet*> v = {detail::kernel_set_generic()};
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2 && detail::kernel_set_avx2()) v.push_back(detail::kernel_set_avx2());
  if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && detail::kernel_set_avx512())
    v.push_back(detail::kernel_set_avx512());
#endif
  return v;
}

const std::vector<const KernelSet*>& runnable() {
  static const std::vector<const KernelSet*> v = runnable_sets();
  return v;
}

const KernelSet* find_set(const std::string& name) {
  for (const KernelSet* k : runnable())
    if (name == k->name) return k;
  std::string have;
  for (const KernelSet* k : runnable()) have += std::string(have.empty() ? "" : ", ") + k->name;
  throw std::invalid_argument("merge kernels: instruction set '" + name +
                              "' is not available here (available: " + have + "; known: generic, avx2, avx512)");
}

// The best set, or the one WARP_MERGE_KERNELS names.
const KernelSet* initial_set() {
  const char* env = std::getenv("WARP_MERGE_KERNELS");
  if (env && *env) return find_set(env);
  return runnable().back();
}

std::atomic<const KernelSet*>& current_set() {
  static std::atomic<const KernelSet*> k{initial_set()};
  return k;
}

const KernelSet& kernels() { return *current_set().load(std::memory_order_relaxed); }

// ---- blocks, threads, partial sums ---------------------------------------------------------------------

// Runs f(block, begin, end) over the reduction blocks of [0, n), in parallel, each thread's share in
// ascending order. (SLERP's second pass once walked its blocks backwards to start on the data its
// first pass left in the caches: block-wise backwards it measured ~10% slower than forwards, fully
// descending loops no faster than forwards, at 8 MiB to 128 MiB per tensor.)
template <typename F>
void for_blocks(int64_t n, const F& f) {
  const int64_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) f(b, b * kReduceBlock, std::min(n, (b + 1) * kReduceBlock));
  });
}

bool streamable(const void* out, int64_t n, const KernelSet& k) {
  return n >= kStreamMinElements && reinterpret_cast<uintptr_t>(out) % static_cast<uintptr_t>(k.stream_align) == 0;
}

// Per-block partial sums, laid out [block][M squares, dot], added in block order at the end.
class Partials {
 public:
  Partials(int64_t n, int M) : M_(M), v_(static_cast<size_t>(((n + kReduceBlock - 1) / kReduceBlock) * (M + 1)), 0.0) {}
  double* block(int64_t b) { return v_.data() + b * (M_ + 1); }
  // From lanes laid out as M + 1 groups of 8.
  void set_from_lanes(int64_t b, const double* lanes) {
    double* dst = block(b);
    for (int m = 0; m <= M_; ++m) dst[m] = lanes_total(lanes + m * kLanes);
  }
  DeltaSums total() const {
    DeltaSums s;
    s.sq.assign(static_cast<size_t>(M_), 0.0);
    for (size_t i = 0; i < v_.size(); i += static_cast<size_t>(M_ + 1)) {
      for (int m = 0; m < M_; ++m) s.sq[static_cast<size_t>(m)] += v_[i + static_cast<size_t>(m)];
      s.dot01 += v_[i + static_cast<size_t>(M_)];
    }
    return s;
  }

 private:
  int M_;
  std::vector<double> v_;
};

// At most this many models per TIES merge (the per-element working arrays above).
constexpr int kMaxTiesModels = 64;

}  // namespace

template <typename T>
DeltaSums delta_sums(const T* o, const T* const* x, int M, int64_t n) {
  const auto& L = loops_of<T>(kernels());
  Partials parts(n, M);
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    if (M == 2) L.sums2(o, x[0], x[1], begin, end, lanes.data());
    else L.sums_any(o, x, M, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  return parts.total();
}

template <typename T>
void combine(T* out, const T* o, double c0, const T* const* x, const double* c, int M, int64_t n, DeltaSums* sums) {
  const KernelSet& k = kernels();
  const auto& L = loops_of<T>(k);
  const int stream = streamable(out, n, k) ? 1 : 0;
  Partials parts(n, sums ? M : 0);
  const int with_sums = sums ? 1 : 0;
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    double* l = sums ? lanes.data() : nullptr;
    if (M == 2) L.combine2[with_sums][stream](out, o, x[0], x[1], c0, c[0], c[1], begin, end, l);
    else if (M == 1) L.combine1[with_sums][stream](out, o, x[0], c0, c[0], begin, end, l);
    else L.combine_any[with_sums][stream](out, o, c0, x, c, M, begin, end, l);
    if (sums) parts.set_from_lanes(b, lanes.data());
  });
  if (sums) *sums = parts.total();
}

template <typename T>
TiesKeep ties_select(const T* o, const T* x, int64_t n, int64_t k, double* scratch) {
  TiesKeep keep;
  keep.tie_end = n;
  if (k >= n) return keep;  // threshold 0, every index: all kept
  for (int64_t i = 0; i < n; ++i) scratch[i] = std::fabs(static_cast<double>(x[i]) - static_cast<double>(o[i]));
  // After nth_element, scratch[n - k] is the k-th largest magnitude.
  std::nth_element(scratch, scratch + (n - k), scratch + n);
  const double tau = scratch[n - k];
  keep.threshold = tau;
  if (tau == 0) return keep;  // zeros never take part in the sign vote or the mean
  int64_t greater = 0, equal = 0;
  for (int64_t i = 0; i < n; ++i) {
    greater += scratch[i] > tau;
    equal += scratch[i] == tau;
  }
  const int64_t quota = k - greater;  // >= 1: tau itself is among the k largest
  if (equal == quota) return keep;
  int64_t seen = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (std::fabs(static_cast<double>(x[i]) - static_cast<double>(o[i])) == tau && ++seen == quota) {
      keep.tie_end = i + 1;
      break;
    }
  }
  return keep;
}

template <typename T>
void ties_combine(T* out, const T* o, const T* const* x, const TiesKeep* keep, int M, double scale, int64_t n,
                  DeltaSums* sums) {
  if (M > kMaxTiesModels) throw std::invalid_argument("ties_combine: at most 64 models");
  const auto& L = loops_of<T>(kernels());
  Partials parts(n, M);
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    L.ties(out, o, x, keep, M, scale, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  *sums = parts.total();
}

template <typename T>
void dare_combine(T* out, const T* o, const T* const* x, const uint64_t* keys, int M, double density, double scale,
                  int64_t n, DeltaSums* sums) {
  Partials parts(n, M);
  const uint64_t threshold = dare_threshold(density);
  const KernelSet& k = kernels();
  const auto& L = loops_of<T>(k);
  const int stream = streamable(out, n, k) ? 1 : 0;
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    L.dare[stream](out, o, x, keys, M, threshold, scale / density, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  *sums = parts.total();
}

std::string kernels_isa() { return kernels().name; }

std::vector<std::string> kernels_isas() {
  std::vector<std::string> v;
  for (const KernelSet* k : runnable()) v.push_back(k->name);
  return v;
}

void use_kernels_isa(const std::string& isa) { current_set().store(find_set(isa), std::memory_order_relaxed); }

uint64_t dare_threshold(double density) {
  // density·2^53 is exact (a power-of-two scaling); k < y ⇔ k < ceil(y) for integers k.
  return static_cast<uint64_t>(std::ceil(std::ldexp(density, 53)));
}

uint64_t mix64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

uint64_t dare_key(uint64_t seed, const std::string& tensor_name, int model_index) {
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a 64
  for (unsigned char ch : tensor_name) {
    h ^= ch;
    h *= 0x100000001B3ull;
  }
  return mix64(mix64(seed + kDareGolden) ^ h) + static_cast<uint64_t>(model_index) * 0xD1B54A32D192ED03ull;
}

#define WARP_MERGE_KERNELS(T)                                                                                      \
  template DeltaSums delta_sums<T>(const T*, const T* const*, int, int64_t);                                       \
  template void combine<T>(T*, const T*, double, const T* const*, const double*, int, int64_t, DeltaSums*);        \
  template TiesKeep ties_select<T>(const T*, const T*, int64_t, int64_t, double*);                                 \
  template void ties_combine<T>(T*, const T*, const T* const*, const TiesKeep*, int, double, int64_t, DeltaSums*); \
  template void dare_combine<T>(T*, const T*, const T* const*, const uint64_t*, int, double, double, int64_t,      \
                                DeltaSums*);
WARP_MERGE_KERNELS(float)
WARP_MERGE_KERNELS(double)
#undef WARP_MERGE_KERNELS

}  // namespace warp::merge_kernels
