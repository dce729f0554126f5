// Inner loops of weight merging (see merge_kernels.h). This file includes no LibTorch model code, only
// at::parallel_for, and is compiled with -O3 so the fixed-lane loops below vectorise.
#include "merge/merge_kernels.h"

#include <ATen/Parallel.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace warp::merge_kernels {

namespace {

// Hot loops are compiled twice on x86-64 (AVX2 and baseline SSE2) and picked at load time (ifunc),
// so one binary runs everywhere and uses 256-bit vectors where the CPU has them. Floating-point
// contraction is off (-ffp-contract=off, core/merge/CMakeLists.txt) and every sum keeps its own
// lanes, so both versions give bitwise identical results.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WARP_MERGE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WARP_MERGE_CLONES
#endif

// Independent accumulators per sum: breaks the add dependency chain and lets the compiler use SIMD
// without reassociating (lane l sums the elements begin + l, begin + l + 8, ... in index order; lanes
// are added in a fixed tree).
constexpr int kLanes = 8;
// Elements per sub-block of the general-M loops: their float64 working arrays stay in L1.
constexpr int64_t kSub = 256;
// Blocks per parallel task: small tensors (< 8 × 16k elements) run on the calling thread.
constexpr int64_t kGrainBlocks = 8;

double lanes_total(const double* l) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

// ---- M = 1 and M = 2: one fused loop per group of 8 elements ------------------------------------------
// Written with GCC/Clang vector types: lanes 0-3 and 4-7 of every sum are two explicit 4-double
// vectors (SSE2: two registers each; AVX2: one), so the arithmetic, and therefore the result, is
// the same on every target. All loads of a group precede its stores, so out may be x0 (exact
// aliasing) without a hazard.

typedef double V4d __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));

#define WARP_VEC_INLINE inline __attribute__((always_inline))

WARP_VEC_INLINE V4d load4(const float* p) {
  V4f f;
  std::memcpy(&f, p, sizeof f);
  return __builtin_convertvector(f, V4d);
}
WARP_VEC_INLINE V4d load4(const double* p) {
  V4d d;
  std::memcpy(&d, p, sizeof d);
  return d;
}
WARP_VEC_INLINE void store4(float* p, V4d v) {
  const V4f f = __builtin_convertvector(v, V4f);
  std::memcpy(p, &f, sizeof f);
}
WARP_VEC_INLINE void store4(double* p, V4d v) { std::memcpy(p, &v, sizeof v); }
WARP_VEC_INLINE V4d splat(double x) { return V4d{x, x, x, x}; }

// Stores that bypass the caches (x86 non-temporal stores) for outputs too large to stay in them: no
// read-for-ownership of the output lines, one memory transfer per output byte instead of two. Needs
// 16-byte aligned destinations; stream_fence() orders them before the results are used.
#if defined(__SSE2__)
WARP_VEC_INLINE void stream4(float* p, V4d v) {
  const V4f f = __builtin_convertvector(v, V4f);
  __m128 m;
  std::memcpy(&m, &f, sizeof m);
  _mm_stream_ps(p, m);
}
WARP_VEC_INLINE void stream4(double* p, V4d v) {
  __m128d lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  _mm_stream_pd(p, lo);
  _mm_stream_pd(p + 2, hi);
}
inline void stream_fence() { _mm_sfence(); }
#else
WARP_VEC_INLINE void stream4(float* p, V4d v) { store4(p, v); }
WARP_VEC_INLINE void stream4(double* p, V4d v) { store4(p, v); }
inline void stream_fence() {}
#endif
// Outputs of at least this many elements (16 MiB of float32) are written with stream4.
constexpr int64_t kStreamMinElements = int64_t(1) << 22;

template <bool kStream, typename T>
WARP_VEC_INLINE void put4(T* p, V4d v) {
  if (kStream)
    stream4(p, v);
  else
    store4(p, v);
}

// Eight lanes as two vectors; element begin + 8k + l goes to lane l.
struct Lanes8 {
  V4d lo = splat(0), hi = splat(0);
  double& operator[](int l) { return l < 4 ? lo[l] : hi[l - 4]; }
  void store(double* dst) const {
    for (int l = 0; l < 4; ++l) {
      dst[l] = lo[l];
      dst[4 + l] = hi[l];
    }
  }
};

// lanes: [8 × ‖δ0‖², 8 × ‖δ1‖², 8 × <δ0,δ1>]
template <typename T>
WARP_MERGE_CLONES void sums2_range(const T* o, const T* x0, const T* x1, int64_t begin, int64_t end, double* lanes) {
  Lanes8 s0, s1, sd;
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const V4d ol = load4(o + i), oh = load4(o + i + 4);
    const V4d dl = load4(x0 + i) - ol, dh = load4(x0 + i + 4) - oh;
    const V4d el = load4(x1 + i) - ol, eh = load4(x1 + i + 4) - oh;
    s0.lo += dl * dl;
    s0.hi += dh * dh;
    s1.lo += el * el;
    s1.hi += eh * eh;
    sd.lo += dl * el;
    sd.hi += dh * eh;
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]);
    const double d0 = static_cast<double>(x0[i]) - vo, d1 = static_cast<double>(x1[i]) - vo;
    s0[l] += d0 * d0;
    s1[l] += d1 * d1;
    sd[l] += d0 * d1;
  }
  s0.store(lanes);
  s1.store(lanes + kLanes);
  sd.store(lanes + 2 * kLanes);
}

// out = c0·o + c1·x0 + c2·x1; with kSums the lanes of sums2_range as well.
template <typename T, bool kSums, bool kStream>
WARP_MERGE_CLONES void combine2_range(T* out, const T* o, const T* x0, const T* x1, double c0, double c1, double c2,
                                      int64_t begin, int64_t end, double* lanes) {
  Lanes8 s0, s1, sd;
  const V4d k0 = splat(c0), k1 = splat(c1), k2 = splat(c2);
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const V4d ol = load4(o + i), oh = load4(o + i + 4);
    const V4d al = load4(x0 + i), ah = load4(x0 + i + 4);
    const V4d bl = load4(x1 + i), bh = load4(x1 + i + 4);
    const V4d tl = k0 * ol + k1 * al + k2 * bl, th = k0 * oh + k1 * ah + k2 * bh;
    if (kSums) {
      const V4d dl = al - ol, dh = ah - oh, el = bl - ol, eh = bh - oh;
      s0.lo += dl * dl;
      s0.hi += dh * dh;
      s1.lo += el * el;
      s1.hi += eh * eh;
      sd.lo += dl * el;
      sd.hi += dh * eh;
    }
    put4<kStream>(out + i, tl);
    put4<kStream>(out + i + 4, th);
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]);
    const double va = static_cast<double>(x0[i]), vb = static_cast<double>(x1[i]);
    const double t = c0 * vo + c1 * va + c2 * vb;
    if (kSums) {
      const double d0 = va - vo, d1 = vb - vo;
      s0[l] += d0 * d0;
      s1[l] += d1 * d1;
      sd[l] += d0 * d1;
    }
    out[i] = static_cast<T>(t);
  }
  if (kSums) {
    s0.store(lanes);
    s1.store(lanes + kLanes);
    sd.store(lanes + 2 * kLanes);
  }
  if (kStream) stream_fence();
}

// out = c0·o + c1·x0; with kSums lanes: [8 × ‖δ0‖², 8 × 0 (no dot)].
template <typename T, bool kSums, bool kStream>
WARP_MERGE_CLONES void combine1_range(T* out, const T* o, const T* x0, double c0, double c1, int64_t begin, int64_t end,
                                      double* lanes) {
  Lanes8 s0;
  const V4d k0 = splat(c0), k1 = splat(c1);
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const V4d ol = load4(o + i), oh = load4(o + i + 4);
    const V4d al = load4(x0 + i), ah = load4(x0 + i + 4);
    const V4d tl = k0 * ol + k1 * al, th = k0 * oh + k1 * ah;
    if (kSums) {
      const V4d dl = al - ol, dh = ah - oh;
      s0.lo += dl * dl;
      s0.hi += dh * dh;
    }
    put4<kStream>(out + i, tl);
    put4<kStream>(out + i + 4, th);
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]), va = static_cast<double>(x0[i]);
    const double t = c0 * vo + c1 * va;
    if (kSums) {
      const double d0 = va - vo;
      s0[l] += d0 * d0;
    }
    out[i] = static_cast<T>(t);
  }
  if (kSums) {
    s0.store(lanes);
    for (int l = 0; l < kLanes; ++l) lanes[kLanes + l] = 0;
  }
  if (kStream) stream_fence();
}

// ---- any M: sub-blocks with float64 working arrays -------------------------------------------------------

template <typename T>
void load_delta(double* d, const T* x, const T* o, int64_t len) {
  for (int64_t j = 0; j < len; ++j) d[j] = static_cast<double>(x[j]) - static_cast<double>(o[j]);
}

// Lane (j mod 8) of a sub-block starting at a multiple of 8 from the block start: the same element →
// lane assignment as the fused loops.
void add_sq(double* lanes, const double* d, int64_t len) {
  int64_t j = 0;
  for (; j + kLanes <= len; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += d[j + l] * d[j + l];
  for (; j < len; ++j) lanes[j % kLanes] += d[j] * d[j];
}

void add_dot(double* lanes, const double* a, const double* b, int64_t len) {
  int64_t j = 0;
  for (; j + kLanes <= len; j += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += a[j + l] * b[j + l];
  for (; j < len; ++j) lanes[j % kLanes] += a[j] * b[j];
}

// lanes: M groups of 8 squares, then 8 dots.
template <typename T>
void sub_block_sums(double* lanes, const T* o, const T* const* x, int M, int64_t j0, int64_t len) {
  alignas(64) double d0[kSub], d[kSub];
  load_delta(d0, x[0] + j0, o + j0, len);
  add_sq(lanes, d0, len);
  for (int m = 1; m < M; ++m) {
    load_delta(d, x[m] + j0, o + j0, len);
    add_sq(lanes + m * kLanes, d, len);
    if (m == 1) add_dot(lanes + M * kLanes, d0, d, len);
  }
}

template <typename T>
WARP_MERGE_CLONES void sums_any_range(const T* o, const T* const* x, int M, int64_t begin, int64_t end, double* lanes) {
  for (int64_t j = begin; j < end; j += kSub) sub_block_sums(lanes, o, x, M, j, std::min(kSub, end - j));
}

template <typename T>
WARP_MERGE_CLONES void combine_any_range(T* out, const T* o, double c0, const T* const* x, const double* c, int M,
                                         int64_t begin, int64_t end, double* lanes) {
  alignas(64) double t[kSub];
  for (int64_t j0 = begin; j0 < end; j0 += kSub) {
    const int64_t len = std::min(kSub, end - j0);
    const T* oj = o + j0;
    for (int64_t j = 0; j < len; ++j) t[j] = c0 * static_cast<double>(oj[j]);
    for (int m = 0; m < M; ++m) {
      const T* xj = x[m] + j0;
      const double cm = c[m];
      for (int64_t j = 0; j < len; ++j) t[j] += cm * static_cast<double>(xj[j]);
    }
    // All reads of this sub-block happen above: out may be x[0].
    if (lanes) sub_block_sums(lanes, o, x, M, j0, len);
    T* outj = out + j0;
    for (int64_t j = 0; j < len; ++j) outj[j] = static_cast<T>(t[j]);
  }
}

// ---- blocks, threads, partial sums ---------------------------------------------------------------------

// Runs f(block, begin, end) over the reduction blocks of [0, n), in parallel.
// backward: each thread walks its share from the end, so a pass that follows a forward pass over the
// same arrays (SLERP's combination after its sums) starts on the data still in the caches.
template <typename F>
void for_blocks(int64_t n, const F& f, bool backward = false) {
  const int64_t blocks = (n + kReduceBlock - 1) / kReduceBlock;
  at::parallel_for(0, blocks, kGrainBlocks, [&](int64_t b0, int64_t b1) {
    for (int64_t k = b0; k < b1; ++k) {
      const int64_t b = backward ? b1 - 1 - (k - b0) : k;
      f(b, b * kReduceBlock, std::min(n, (b + 1) * kReduceBlock));
    }
  });
}

bool streamable(const void* out, int64_t n) {
  return n >= kStreamMinElements && reinterpret_cast<uintptr_t>(out) % 16 == 0;
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

template <typename T>
WARP_MERGE_CLONES void ties_range(T* out, const T* o, const T* const* x, const TiesKeep* keep, int M, double scale,
                                  int64_t begin, int64_t end, double* lanes) {
  double d[64];
  bool kept[64];
  for (int64_t i = begin; i < end; ++i) {
    const int l = static_cast<int>((i - begin) % kLanes);  // the lanes of every other kernel
    const double oi = static_cast<double>(o[i]);
    double s = 0;
    for (int m = 0; m < M; ++m) {
      const double dm = static_cast<double>(x[m][i]) - oi;
      const double a = std::fabs(dm);
      d[m] = dm;
      kept[m] = a > keep[m].threshold || (a == keep[m].threshold && i < keep[m].tie_end);
      if (kept[m]) s += dm;
      lanes[m * kLanes + l] += dm * dm;
    }
    if (M >= 2) lanes[M * kLanes + l] += d[0] * d[1];
    double sum = 0;
    int count = 0;
    if (s != 0) {
      for (int m = 0; m < M; ++m) {
        if (kept[m] && d[m] != 0 && (d[m] > 0) == (s > 0)) {
          sum += d[m];
          ++count;
        }
      }
    }
    const double merged = count ? sum / count : 0.0;
    out[i] = static_cast<T>(oi + scale * merged);
  }
}

typedef uint64_t V4u __attribute__((vector_size(32)));
typedef int64_t V4i __attribute__((vector_size(32)));

WARP_VEC_INLINE V4u mix64v(V4u z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

// v where keep is all ones, +0.0 where it is zero.
WARP_VEC_INLINE V4d select(V4i keep, V4d v) {
  V4i bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= keep;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// lanes (zeroed by the caller): M groups of 8 squares, then 8 dots of δ0·δ1 (zero for M = 1).
template <typename T, bool kStream>
WARP_MERGE_CLONES void dare_range(T* out, const T* o, const T* const* x, const uint64_t* keys, int M,
                                  uint64_t threshold, double factor, int64_t begin, int64_t end, double* lanes) {
  // Squares of δ_m accumulate in lanes[8m .. 8m + 7] (heap memory: unaligned vector loads and stores).
  Lanes8 dot;
  const V4d kf = splat(factor);
  const V4u golden = {kDareGolden, kDareGolden, kDareGolden, kDareGolden};
  const V4i thr = {static_cast<int64_t>(threshold), static_cast<int64_t>(threshold), static_cast<int64_t>(threshold),
                   static_cast<int64_t>(threshold)};
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const V4d ol = load4(o + i), oh = load4(o + i + 4);
    const uint64_t c = static_cast<uint64_t>(i) + 1;
    const V4u cl = {c, c + 1, c + 2, c + 3}, ch = {c + 4, c + 5, c + 6, c + 7};
    V4d sl = splat(0), sh = splat(0), d0l = splat(0), d0h = splat(0);
    for (int m = 0; m < M; ++m) {
      const V4d dl = load4(x[m] + i) - ol, dh = load4(x[m] + i + 4) - oh;
      const V4u key = {keys[m], keys[m], keys[m], keys[m]};
      // The top 53 bits (< 2^53) compare as signed integers.
      const V4i kl = (V4i)(mix64v(key + cl * golden) >> 11) < thr;
      const V4i kh = (V4i)(mix64v(key + ch * golden) >> 11) < thr;
      sl += select(kl, dl);
      sh += select(kh, dh);
      double* sqm = lanes + m * kLanes;
      store4(sqm, load4(sqm) + dl * dl);
      store4(sqm + 4, load4(sqm + 4) + dh * dh);
      if (m == 0) {
        d0l = dl;
        d0h = dh;
      } else if (m == 1) {
        dot.lo += d0l * dl;
        dot.hi += d0h * dh;
      }
    }
    put4<kStream>(out + i, ol + kf * sl);
    put4<kStream>(out + i + 4, oh + kf * sh);
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double oi = static_cast<double>(o[i]);
    double s = 0, d0 = 0;
    for (int m = 0; m < M; ++m) {
      const double dm = static_cast<double>(x[m][i]) - oi;
      s += dare_keep(keys[m], i, threshold) ? dm : 0.0;
      lanes[m * kLanes + l] += dm * dm;
      if (m == 0) d0 = dm;
      if (m == 1) dot[l] += d0 * dm;
    }
    out[i] = static_cast<T>(oi + factor * s);
  }
  dot.store(lanes + M * kLanes);
  if (kStream) stream_fence();
}

// At most this many models per TIES merge (the per-element working arrays above).
constexpr int kMaxTiesModels = 64;

}  // namespace

template <typename T>
DeltaSums delta_sums(const T* o, const T* const* x, int M, int64_t n) {
  Partials parts(n, M);
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    if (M == 2)
      sums2_range(o, x[0], x[1], begin, end, lanes.data());
    else
      sums_any_range(o, x, M, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  return parts.total();
}

template <typename T>
void combine(T* out, const T* o, double c0, const T* const* x, const double* c, int M, int64_t n, DeltaSums* sums) {
  Partials parts(n, sums ? M : 0);
  const bool stream = streamable(out, n);
  for_blocks(
      n,
      [&](int64_t b, int64_t begin, int64_t end) {
        std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
        double* l = sums ? lanes.data() : nullptr;
        if (M == 2) {
          const T *x0 = x[0], *x1 = x[1];
          if (sums && stream)
            combine2_range<T, true, true>(out, o, x0, x1, c0, c[0], c[1], begin, end, l);
          else if (sums)
            combine2_range<T, true, false>(out, o, x0, x1, c0, c[0], c[1], begin, end, l);
          else if (stream)
            combine2_range<T, false, true>(out, o, x0, x1, c0, c[0], c[1], begin, end, l);
          else
            combine2_range<T, false, false>(out, o, x0, x1, c0, c[0], c[1], begin, end, l);
        } else if (M == 1) {
          if (sums && stream)
            combine1_range<T, true, true>(out, o, x[0], c0, c[0], begin, end, l);
          else if (sums)
            combine1_range<T, true, false>(out, o, x[0], c0, c[0], begin, end, l);
          else if (stream)
            combine1_range<T, false, true>(out, o, x[0], c0, c[0], begin, end, l);
          else
            combine1_range<T, false, false>(out, o, x[0], c0, c[0], begin, end, l);
        } else {
          combine_any_range(out, o, c0, x, c, M, begin, end, l);
        }
        if (sums) parts.set_from_lanes(b, lanes.data());
      },
      /*backward=*/true);
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
  Partials parts(n, M);
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    ties_range(out, o, x, keep, M, scale, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  *sums = parts.total();
}

template <typename T>
void dare_combine(T* out, const T* o, const T* const* x, const uint64_t* keys, int M, double density, double scale,
                  int64_t n, DeltaSums* sums) {
  Partials parts(n, M);
  const uint64_t threshold = dare_threshold(density);
  const bool stream = streamable(out, n);
  for_blocks(n, [&](int64_t b, int64_t begin, int64_t end) {
    std::vector<double> lanes(static_cast<size_t>((M + 1) * kLanes), 0.0);
    if (stream)
      dare_range<T, true>(out, o, x, keys, M, threshold, scale / density, begin, end, lanes.data());
    else
      dare_range<T, false>(out, o, x, keys, M, threshold, scale / density, begin, end, lanes.data());
    parts.set_from_lanes(b, lanes.data());
  });
  *sums = parts.total();
}

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
