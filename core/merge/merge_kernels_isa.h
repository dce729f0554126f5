#pragma once
// Internal to core/merge: the inner loops of merge_kernels.cpp, compiled once per instruction set
// (merge_kernels_generic.cpp, merge_kernels_avx2.cpp, merge_kernels_avx512.cpp from the same source,
// merge_kernels_loops.h) and reached through one table per set. merge_kernels.cpp picks a table once
// (merge_kernels.h: kernels_isa) and does the blocking, threading and partial sums around them.
//
// Every loop of every table computes the same float64 operations on the same elements in the same
// order (8 lanes; element begin + 8k + l goes to lane l), without contraction (-ffp-contract=off), so
// all tables give bitwise identical results.

#include <cstdint>

#include "merge/merge_kernels.h"

namespace warp::merge_kernels::detail {

// The loops over one range [begin, end) of a reduction block, for storage type T. `lanes` receives
// (M + 1) groups of 8 partial sums: M groups of ‖δ_m‖² lanes, then 8 lanes of <δ_0, δ_1> (zeros when
// M = 1); callers zero it first (sums_any, combine_any, ties, dare add to it; the others assign it).
template <typename T>
struct RangeLoops {
  void (*sums2)(const T* o, const T* x0, const T* x1, int64_t begin, int64_t end, double* lanes);
  void (*sums_any)(const T* o, const T* const* x, int M, int64_t begin, int64_t end, double* lanes);
  // [with sums][with non-temporal stores]; lanes is unused without sums.
  void (*combine2[2][2])(T* out, const T* o, const T* x0, const T* x1, double c0, double c1, double c2, int64_t begin,
                         int64_t end, double* lanes);
  void (*combine1[2][2])(T* out, const T* o, const T* x0, double c0, double c1, int64_t begin, int64_t end,
                         double* lanes);
  // [with sums][with non-temporal stores]; lanes is unused without sums.
  void (*combine_any[2][2])(T* out, const T* o, double c0, const T* const* x, const double* c, int M, int64_t begin,
                            int64_t end, double* lanes);
  void (*ties)(T* out, const T* o, const T* const* x, const TiesKeep* keep, int M, double scale, int64_t begin,
               int64_t end, double* lanes);
  // [with non-temporal stores]
  void (*dare[2])(T* out, const T* o, const T* const* x, const uint64_t* keys, int M, uint64_t threshold, double factor,
                  int64_t begin, int64_t end, double* lanes);
};

struct KernelSet {
  const char* name;      // "generic", "avx2", "avx512"
  int64_t stream_align;  // non-temporal stores need `out` aligned to this many bytes
  RangeLoops<float> f32;
  RangeLoops<double> f64;
};

template <typename T>
const RangeLoops<T>& loops_of(const KernelSet& k);
template <>
inline const RangeLoops<float>& loops_of<float>(const KernelSet& k) {
  return k.f32;
}
template <>
inline const RangeLoops<double>& loops_of<double>(const KernelSet& k) {
  return k.f64;
}

// The tables; null where this build has no such version (the AVX ones outside x86-64). Whether the
// CPU runs them is the caller's check.
const KernelSet* kernel_set_generic();
const KernelSet* kernel_set_avx2();
const KernelSet* kernel_set_avx512();

}  // namespace warp::merge_kernels::detail
