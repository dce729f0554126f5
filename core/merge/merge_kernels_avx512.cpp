// merge_kernels' inner loops with AVX-512 (8 doubles per register: one register holds the 8 lanes;
// compiled with -mavx512f -mavx512dq -mavx512vl and without FMA contraction, core/merge/CMakeLists.txt).
// merge_kernels.cpp calls them only on CPUs that have these extensions.
// See merge_kernels_loops.h for what this file provides.
#include <cstring>

#include "merge/merge_kernels_isa.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
// GCC 12 reports its own _mm512_undefined_pd() (the don't-care source of cvtps2pd / cvtpd2ps) as
// maybe uninitialised where these intrinsics are inlined: a false positive, silenced for the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

namespace warp::merge_kernels::detail {
namespace {

constexpr const char* kIsaName = "avx512";
constexpr int64_t kStreamAlign = 64;
#define WARP_V8 inline __attribute__((always_inline))

struct V8 {
  __m512d v;
};
WARP_V8 V8 operator+(V8 a, V8 b) { return {_mm512_add_pd(a.v, b.v)}; }
WARP_V8 V8 operator-(V8 a, V8 b) { return {_mm512_sub_pd(a.v, b.v)}; }
WARP_V8 V8 operator*(V8 a, V8 b) { return {_mm512_mul_pd(a.v, b.v)}; }
WARP_V8 V8 v8_zero() { return {_mm512_setzero_pd()}; }
WARP_V8 V8 v8_splat(double x) { return {_mm512_set1_pd(x)}; }
WARP_V8 V8 v8_load(const float* p) { return {_mm512_cvtps_pd(_mm256_loadu_ps(p))}; }
WARP_V8 V8 v8_load(const double* p) { return {_mm512_loadu_pd(p)}; }
// Rounded once per lane (vcvtpd2ps, round to nearest like a scalar cast).
WARP_V8 void v8_store(float* p, V8 v) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(v.v)); }
WARP_V8 void v8_store(double* p, V8 v) { _mm512_storeu_pd(p, v.v); }
WARP_V8 void v8_stream(float* p, V8 v) { _mm256_stream_ps(p, _mm512_cvtpd_ps(v.v)); }
WARP_V8 void v8_stream(double* p, V8 v) { _mm512_stream_pd(p, v.v); }
inline void v8_fence() { _mm_sfence(); }

}  // namespace
}  // namespace warp::merge_kernels::detail

#include "merge/merge_kernels_loops.h"

namespace warp::merge_kernels::detail {
const KernelSet* kernel_set_avx512() {
  static const KernelSet k = make_kernel_set();
  return &k;
}
}  // namespace warp::merge_kernels::detail

#else

namespace warp::merge_kernels::detail {
const KernelSet* kernel_set_avx512() { return nullptr; }
}  // namespace warp::merge_kernels::detail

#endif
