// merge_kernels' inner loops with AVX2 (4 doubles per register; compiled with -mavx2 and without FMA,
// core/merge/CMakeLists.txt). merge_kernels.cpp calls them only on CPUs that have AVX2.
// See merge_kernels_loops.h for what this file provides.
#include <cstring>

#include "merge/merge_kernels_isa.h"

#if defined(__AVX2__)
#include <immintrin.h>

namespace warp::merge_kernels::detail {
namespace {

constexpr const char* kIsaName = "avx2";
constexpr int64_t kStreamAlign = 32;
#define WARP_V8 inline __attribute__((always_inline))

struct V8 {
  __m256d lo, hi;
};
WARP_V8 V8 operator+(V8 a, V8 b) { return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; }
WARP_V8 V8 operator-(V8 a, V8 b) { return {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)}; }
WARP_V8 V8 operator*(V8 a, V8 b) { return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; }
WARP_V8 V8 v8_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
WARP_V8 V8 v8_splat(double x) { return {_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
WARP_V8 V8 v8_load(const float* p) { return {_mm256_cvtps_pd(_mm_loadu_ps(p)), _mm256_cvtps_pd(_mm_loadu_ps(p + 4))}; }
WARP_V8 V8 v8_load(const double* p) { return {_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)}; }
// Rounded once per lane (vcvtpd2ps, round to nearest like a scalar cast).
WARP_V8 __m256 to_float(V8 v) { return _mm256_set_m128(_mm256_cvtpd_ps(v.hi), _mm256_cvtpd_ps(v.lo)); }
WARP_V8 void v8_store(float* p, V8 v) { _mm256_storeu_ps(p, to_float(v)); }
WARP_V8 void v8_store(double* p, V8 v) {
  _mm256_storeu_pd(p, v.lo);
  _mm256_storeu_pd(p + 4, v.hi);
}
WARP_V8 void v8_stream(float* p, V8 v) { _mm256_stream_ps(p, to_float(v)); }
WARP_V8 void v8_stream(double* p, V8 v) {
  _mm256_stream_pd(p, v.lo);
  _mm256_stream_pd(p + 4, v.hi);
}
inline void v8_fence() { _mm_sfence(); }

}  // namespace
}  // namespace warp::merge_kernels::detail

#include "merge/merge_kernels_loops.h"

namespace warp::merge_kernels::detail {
const KernelSet* kernel_set_avx2() {
  static const KernelSet k = make_kernel_set();
  return &k;
}
}  // namespace warp::merge_kernels::detail

#else

namespace warp::merge_kernels::detail {
const KernelSet* kernel_set_avx2() { return nullptr; }
}  // namespace warp::merge_kernels::detail

#endif
