// The inner loops of merge_kernels (see merge_kernels.h for the arithmetic rules and
// merge_kernels_isa.h for the tables). NOT an ordinary header: each merge_kernels_<isa>.cpp defines,
// in namespace warp::merge_kernels::detail::(anonymous), an 8-double vector type and its operations
//
//   struct V8;  V8 + V8, V8 - V8, V8 * V8 (lane-wise, each one IEEE float64 operation per lane);
//   V8 v8_zero();  V8 v8_splat(double);  V8 v8_load(const float*);  V8 v8_load(const double*);
//   void v8_store(float*, V8);  void v8_store(double*, V8);   (unaligned; float stores round once)
//   void v8_stream(float*, V8);  void v8_stream(double*, V8); (non-temporal, kStreamAlign-aligned)
//   void v8_fence();  constexpr int64_t kStreamAlign;  constexpr const char* kIsaName;
//
// then includes this file once, and exposes make_kernel_set() as its kernel_set_<isa>(). Everything
// here has internal linkage, so the copies compiled with different instruction sets never mix.
// No #pragma once: it is meant to be compiled once per translation unit that includes it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "merge/merge_kernels_isa.h"

namespace warp::merge_kernels::detail {
namespace {

// Independent accumulators per sum: lane l sums the elements begin + l, begin + l + 8, ... in index
// order. (merge_kernels.cpp adds the lanes in a fixed tree.)
constexpr int kLanes = 8;

// Software prefetch this far ahead of the loads of each input stream. Measured on an AMD EPYC
// (AVX-512) core: the hardware prefetchers alone leave one thread's 3-stream float32 reads ~15% below
// what it reads with these (4 KiB ahead beat 0.5, 2, 8, 16 and 32 KiB). Addresses past the end of an
// array are harmless (prefetches never fault); the address is formed as an integer, not a pointer.
constexpr uintptr_t kPrefetchBytes = 4096;

template <typename T>
inline __attribute__((always_inline)) void prefetch(const T* p) {
  __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + kPrefetchBytes), 0, 3);
}

template <bool kStream, typename T>
inline __attribute__((always_inline)) void put8(T* p, V8 v) {
  if (kStream) v8_stream(p, v);
  else v8_store(p, v);
}

// ---- M = 1 and M = 2: one fused loop per group of 8 elements ------------------------------------------
// All loads of a group precede its stores, so out may be x0 (exact aliasing) without a hazard.

template <typename T>
void sums2_range(const T* o, const T* x0, const T* x1, int64_t begin, int64_t end, double* lanes) {
  V8 s0 = v8_zero(), s1 = v8_zero(), sd = v8_zero();
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    prefetch(o + i);
    prefetch(x0 + i);
    prefetch(x1 + i);
    const V8 ov = v8_load(o + i);
    const V8 d = v8_load(x0 + i) - ov, e = v8_load(x1 + i) - ov;
    s0 = s0 + d * d;
    s1 = s1 + e * e;
    sd = sd + d * e;
  }
  v8_store(lanes, s0);
  v8_store(lanes + kLanes, s1);
  v8_store(lanes + 2 * kLanes, sd);
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]);
    const double d0 = static_cast<double>(x0[i]) - vo, d1 = static_cast<double>(x1[i]) - vo;
    lanes[l] += d0 * d0;
    lanes[kLanes + l] += d1 * d1;
    lanes[2 * kLanes + l] += d0 * d1;
  }
}

// out = c0·o + c1·x0 + c2·x1, evaluated as (c0·o + c1·x0) + c2·x1; with kSums the lanes of sums2_range.
template <typename T, bool kSums, bool kStream>
void combine2_range(T* out, const T* o, const T* x0, const T* x1, double c0, double c1, double c2, int64_t begin,
                    int64_t end, double* lanes) {
  V8 s0 = v8_zero(), s1 = v8_zero(), sd = v8_zero();
  const V8 k0 = v8_splat(c0), k1 = v8_splat(c1), k2 = v8_splat(c2);
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    prefetch(o + i);
    prefetch(x0 + i);
    prefetch(x1 + i);
    const V8 ov = v8_load(o + i), av = v8_load(x0 + i), bv = v8_load(x1 + i);
    const V8 t = k0 * ov + k1 * av + k2 * bv;
    if (kSums) {
      const V8 d = av - ov, e = bv - ov;
      s0 = s0 + d * d;
      s1 = s1 + e * e;
      sd = sd + d * e;
    }
    put8<kStream>(out + i, t);
  }
  if (kSums) {
    v8_store(lanes, s0);
    v8_store(lanes + kLanes, s1);
    v8_store(lanes + 2 * kLanes, sd);
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]);
    const double va = static_cast<double>(x0[i]), vb = static_cast<double>(x1[i]);
    const double t = c0 * vo + c1 * va + c2 * vb;
    if (kSums) {
      const double d0 = va - vo, d1 = vb - vo;
      lanes[l] += d0 * d0;
      lanes[kLanes + l] += d1 * d1;
      lanes[2 * kLanes + l] += d0 * d1;
    }
    out[i] = static_cast<T>(t);
  }
  if (kStream) v8_fence();
}

// out = c0·o + c1·x0; with kSums lanes: [8 × ‖δ0‖², 8 × 0 (no dot)].
template <typename T, bool kSums, bool kStream>
void combine1_range(T* out, const T* o, const T* x0, double c0, double c1, int64_t begin, int64_t end, double* lanes) {
  V8 s0 = v8_zero();
  const V8 k0 = v8_splat(c0), k1 = v8_splat(c1);
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    prefetch(o + i);
    prefetch(x0 + i);
    const V8 ov = v8_load(o + i), av = v8_load(x0 + i);
    const V8 t = k0 * ov + k1 * av;
    if (kSums) {
      const V8 d = av - ov;
      s0 = s0 + d * d;
    }
    put8<kStream>(out + i, t);
  }
  if (kSums) {
    v8_store(lanes, s0);
    v8_store(lanes + kLanes, v8_zero());
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double vo = static_cast<double>(o[i]), va = static_cast<double>(x0[i]);
    const double t = c0 * vo + c1 * va;
    if (kSums) {
      const double d0 = va - vo;
      lanes[l] += d0 * d0;
    }
    out[i] = static_cast<T>(t);
  }
  if (kStream) v8_fence();
}

// ---- any M: one fused loop per group of 8 elements --------------------------------------------------------
// out = (c0·o + c[0]·x0) + c[1]·x1 + ... (the order of combine2/combine1), and with kSums the lanes:
// M groups of 8 squares, then 8 dots of δ0·δ1 (zeros for M = 1). kM > 0: M is kM and the sums stay in
// registers; kM = 0: M is the argument and the squares accumulate in `lanes` (zeroed by the caller).
template <typename T, int kM, bool kSums, bool kOut, bool kStream>
void any_range(T* out, const T* o, double c0, const T* const* x, const double* c, int M_arg, int64_t begin, int64_t end,
               double* lanes) {
  constexpr bool kReg = kM > 0;
  const int M = kReg ? kM : M_arg;
  V8 sq[kReg ? kM : 1];
  for (auto& v : sq) v = v8_zero();
  V8 dot = v8_zero();
  const V8 k0 = v8_splat(c0);
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    prefetch(o + i);
    const V8 ov = v8_load(o + i);
    V8 t = k0 * ov, d0 = v8_zero();
    for (int m = 0; m < M; ++m) {
      prefetch(x[m] + i);
      const V8 xv = v8_load(x[m] + i);
      if (kOut) t = t + v8_splat(c[m]) * xv;
      if (kSums) {
        const V8 d = xv - ov;
        if (kReg) {
          sq[m] = sq[m] + d * d;
        } else {
          double* l = lanes + m * kLanes;
          v8_store(l, v8_load(static_cast<const double*>(l)) + d * d);
        }
        if (m == 0) d0 = d;
        else if (m == 1) dot = dot + d0 * d;
      }
    }
    if (kOut) put8<kStream>(out + i, t);
  }
  if (kSums) {
    if (kReg)
      for (int m = 0; m < M; ++m) v8_store(lanes + m * kLanes, sq[m]);
    v8_store(lanes + M * kLanes, dot);
  }
  for (int l = 0; i < end; ++i, ++l) {
    const double oi = static_cast<double>(o[i]);
    double t = c0 * oi, d0 = 0;
    for (int m = 0; m < M; ++m) {
      const double xm = static_cast<double>(x[m][i]);
      if (kOut) t = t + c[m] * xm;
      if (kSums) {
        const double d = xm - oi;
        lanes[m * kLanes + l] += d * d;
        if (m == 0) d0 = d;
        if (m == 1) lanes[M * kLanes + l] += d0 * d;
      }
    }
    if (kOut) out[i] = static_cast<T>(t);
  }
  if (kStream) v8_fence();
}

template <typename T>
void sums_any_range(const T* o, const T* const* x, int M, int64_t begin, int64_t end, double* lanes) {
  switch (M) {
    case 1:
      return any_range<T, 1, true, false, false>(nullptr, o, 0.0, x, nullptr, M, begin, end, lanes);
    case 3:
      return any_range<T, 3, true, false, false>(nullptr, o, 0.0, x, nullptr, M, begin, end, lanes);
    case 4:
      return any_range<T, 4, true, false, false>(nullptr, o, 0.0, x, nullptr, M, begin, end, lanes);
    default:
      return any_range<T, 0, true, false, false>(nullptr, o, 0.0, x, nullptr, M, begin, end, lanes);
  }
}

template <typename T, bool kSums, bool kStream>
void combine_any_range(T* out, const T* o, double c0, const T* const* x, const double* c, int M, int64_t begin,
                       int64_t end, double* lanes) {
  switch (M) {
    case 3:
      return any_range<T, 3, kSums, true, kStream>(out, o, c0, x, c, M, begin, end, lanes);
    case 4:
      return any_range<T, 4, kSums, true, kStream>(out, o, c0, x, c, M, begin, end, lanes);
    default:
      return any_range<T, 0, kSums, true, kStream>(out, o, c0, x, c, M, begin, end, lanes);
  }
}

// ---- TIES and DARE ---------------------------------------------------------------------------------------

template <typename T>
void ties_range(T* out, const T* o, const T* const* x, const TiesKeep* keep, int M, double scale, int64_t begin,
                int64_t end, double* lanes) {
  double d[64];  // M <= 64 (checked by ties_combine)
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

// DARE keeps GCC/Clang vector types for its hash (64-bit integer lanes), 4 lanes at a time.
typedef double V4d __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));
typedef uint64_t V4u __attribute__((vector_size(32)));
typedef int64_t V4i __attribute__((vector_size(32)));

inline __attribute__((always_inline)) V4d v4_splat(double x) { return V4d{x, x, x, x}; }

inline __attribute__((always_inline)) V4u mix64v(V4u z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ull;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z;
}

// v where keep is all ones, +0.0 where it is zero.
inline __attribute__((always_inline)) V4d select(V4i keep, V4d v) {
  V4i bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= keep;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// Lanes 0-3 and 4-7 of a V8, through memory (the compiler keeps them in registers).
inline __attribute__((always_inline)) V8 v8_join(V4d lo, V4d hi) {
  alignas(64) double t[8];
  std::memcpy(t, &lo, sizeof lo);
  std::memcpy(t + 4, &hi, sizeof hi);
  return v8_load(static_cast<const double*>(t));
}
inline __attribute__((always_inline)) void v8_split(V8 v, V4d* lo, V4d* hi) {
  alignas(64) double t[8];
  v8_store(t, v);
  std::memcpy(lo, t, sizeof *lo);
  std::memcpy(hi, t + 4, sizeof *hi);
}

// lanes (zeroed by the caller): M groups of 8 squares, then 8 dots of δ0·δ1 (zero for M = 1).
template <typename T, bool kStream>
void dare_range(T* out, const T* o, const T* const* x, const uint64_t* keys, int M, uint64_t threshold, double factor,
                int64_t begin, int64_t end, double* lanes) {
  V8 dot = v8_zero();
  const V8 kf = v8_splat(factor);
  const V4u golden = {kDareGolden, kDareGolden, kDareGolden, kDareGolden};
  const V4i thr = {static_cast<int64_t>(threshold), static_cast<int64_t>(threshold), static_cast<int64_t>(threshold),
                   static_cast<int64_t>(threshold)};
  int64_t i = begin;
  for (; i + kLanes <= end; i += kLanes) {
    const V8 ov = v8_load(o + i);
    const uint64_t c = static_cast<uint64_t>(i) + 1;
    const V4u cl = {c, c + 1, c + 2, c + 3}, ch = {c + 4, c + 5, c + 6, c + 7};
    V4d sl = v4_splat(0), sh = v4_splat(0);
    V8 d0 = v8_zero();
    for (int m = 0; m < M; ++m) {
      const V8 d = v8_load(x[m] + i) - ov;
      V4d dl, dh;
      v8_split(d, &dl, &dh);
      const V4u key = {keys[m], keys[m], keys[m], keys[m]};
      // The top 53 bits (< 2^53) compare as signed integers.
      const V4i kl = (V4i)(mix64v(key + cl * golden) >> 11) < thr;
      const V4i kh = (V4i)(mix64v(key + ch * golden) >> 11) < thr;
      sl += select(kl, dl);
      sh += select(kh, dh);
      double* sqm = lanes + m * kLanes;
      v8_store(sqm, v8_load(static_cast<const double*>(sqm)) + d * d);
      if (m == 0) d0 = d;
      else if (m == 1) dot = dot + d0 * d;
    }
    put8<kStream>(out + i, ov + kf * v8_join(sl, sh));
  }
  double* dl = lanes + M * kLanes;
  v8_store(dl, dot);
  for (int l = 0; i < end; ++i, ++l) {
    const double oi = static_cast<double>(o[i]);
    double s = 0, d0 = 0;
    for (int m = 0; m < M; ++m) {
      const double dm = static_cast<double>(x[m][i]) - oi;
      s += dare_keep(keys[m], i, threshold) ? dm : 0.0;
      lanes[m * kLanes + l] += dm * dm;
      if (m == 0) d0 = dm;
      if (m == 1) dl[l] += d0 * dm;
    }
    out[i] = static_cast<T>(oi + factor * s);
  }
  if (kStream) v8_fence();
}

// ---- the table -------------------------------------------------------------------------------------------

template <typename T>
RangeLoops<T> make_loops() {
  RangeLoops<T> r{};
  r.sums2 = &sums2_range<T>;
  r.sums_any = &sums_any_range<T>;
  r.combine2[0][0] = &combine2_range<T, false, false>;
  r.combine2[0][1] = &combine2_range<T, false, true>;
  r.combine2[1][0] = &combine2_range<T, true, false>;
  r.combine2[1][1] = &combine2_range<T, true, true>;
  r.combine1[0][0] = &combine1_range<T, false, false>;
  r.combine1[0][1] = &combine1_range<T, false, true>;
  r.combine1[1][0] = &combine1_range<T, true, false>;
  r.combine1[1][1] = &combine1_range<T, true, true>;
  r.combine_any[0][0] = &combine_any_range<T, false, false>;
  r.combine_any[0][1] = &combine_any_range<T, false, true>;
  r.combine_any[1][0] = &combine_any_range<T, true, false>;
  r.combine_any[1][1] = &combine_any_range<T, true, true>;
  r.ties = &ties_range<T>;
  r.dare[0] = &dare_range<T, false>;
  r.dare[1] = &dare_range<T, true>;
  return r;
}

KernelSet make_kernel_set() {
  KernelSet k{};
  k.name = kIsaName;
  k.stream_align = kStreamAlign;
  k.f32 = make_loops<float>();
  k.f64 = make_loops<double>();
  return k;
}

}  // namespace
}  // namespace warp::merge_kernels::detail
