// merge_kernels' inner loops for any CPU of the target: on x86-64 the baseline instruction set (SSE2,
// 2 doubles per register), elsewhere plain C++ that the compiler vectorises as it can.
// See merge_kernels_loops.h for what this file provides.
#include <cstring>

#include "merge/merge_kernels_isa.h"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace warp::merge_kernels::detail {
namespace {

constexpr const char* kIsaName = "generic";
#define WARP_V8 inline __attribute__((always_inline))

#if defined(__SSE2__)
constexpr int64_t kStreamAlign = 16;

struct V8 {
  __m128d v[4];
};
WARP_V8 V8 operator+(V8 a, V8 b) {
  return {
      {_mm_add_pd(a.v[0], b.v[0]), _mm_add_pd(a.v[1], b.v[1]), _mm_add_pd(a.v[2], b.v[2]), _mm_add_pd(a.v[3], b.v[3])}};
}
WARP_V8 V8 operator-(V8 a, V8 b) {
  return {
      {_mm_sub_pd(a.v[0], b.v[0]), _mm_sub_pd(a.v[1], b.v[1]), _mm_sub_pd(a.v[2], b.v[2]), _mm_sub_pd(a.v[3], b.v[3])}};
}
WARP_V8 V8 operator*(V8 a, V8 b) {
  return {
      {_mm_mul_pd(a.v[0], b.v[0]), _mm_mul_pd(a.v[1], b.v[1]), _mm_mul_pd(a.v[2], b.v[2]), _mm_mul_pd(a.v[3], b.v[3])}};
}
WARP_V8 V8 v8_zero() { return {{_mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd(), _mm_setzero_pd()}}; }
WARP_V8 V8 v8_splat(double x) { return {{_mm_set1_pd(x), _mm_set1_pd(x), _mm_set1_pd(x), _mm_set1_pd(x)}}; }
WARP_V8 V8 v8_load(const float* p) {
  const __m128 a = _mm_loadu_ps(p), b = _mm_loadu_ps(p + 4);
  return {{_mm_cvtps_pd(a), _mm_cvtps_pd(_mm_movehl_ps(a, a)), _mm_cvtps_pd(b), _mm_cvtps_pd(_mm_movehl_ps(b, b))}};
}
WARP_V8 V8 v8_load(const double* p) {
  return {{_mm_loadu_pd(p), _mm_loadu_pd(p + 2), _mm_loadu_pd(p + 4), _mm_loadu_pd(p + 6)}};
}
// Two 4-float halves, each rounded once per lane (cvtpd2ps, round to nearest like a scalar cast).
WARP_V8 __m128 lo4(V8 v) { return _mm_movelh_ps(_mm_cvtpd_ps(v.v[0]), _mm_cvtpd_ps(v.v[1])); }
WARP_V8 __m128 hi4(V8 v) { return _mm_movelh_ps(_mm_cvtpd_ps(v.v[2]), _mm_cvtpd_ps(v.v[3])); }
WARP_V8 void v8_store(float* p, V8 v) {
  _mm_storeu_ps(p, lo4(v));
  _mm_storeu_ps(p + 4, hi4(v));
}
WARP_V8 void v8_store(double* p, V8 v) {
  for (int k = 0; k < 4; ++k) _mm_storeu_pd(p + 2 * k, v.v[k]);
}
WARP_V8 void v8_stream(float* p, V8 v) {
  _mm_stream_ps(p, lo4(v));
  _mm_stream_ps(p + 4, hi4(v));
}
WARP_V8 void v8_stream(double* p, V8 v) {
  for (int k = 0; k < 4; ++k) _mm_stream_pd(p + 2 * k, v.v[k]);
}
inline void v8_fence() { _mm_sfence(); }

#else  // portable

constexpr int64_t kStreamAlign = 1;

struct V8 {
  double v[8];
};
WARP_V8 V8 operator+(V8 a, V8 b) {
  for (int l = 0; l < 8; ++l) a.v[l] += b.v[l];
  return a;
}
WARP_V8 V8 operator-(V8 a, V8 b) {
  for (int l = 0; l < 8; ++l) a.v[l] -= b.v[l];
  return a;
}
WARP_V8 V8 operator*(V8 a, V8 b) {
  for (int l = 0; l < 8; ++l) a.v[l] *= b.v[l];
  return a;
}
WARP_V8 V8 v8_zero() { return V8{}; }
WARP_V8 V8 v8_splat(double x) { return {{x, x, x, x, x, x, x, x}}; }
template <typename T>
WARP_V8 V8 v8_load(const T* p) {
  V8 r;
  for (int l = 0; l < 8; ++l) r.v[l] = static_cast<double>(p[l]);
  return r;
}
template <typename T>
WARP_V8 void v8_store(T* p, V8 v) {
  for (int l = 0; l < 8; ++l) p[l] = static_cast<T>(v.v[l]);
}
template <typename T>
WARP_V8 void v8_stream(T* p, V8 v) {
  v8_store(p, v);
}
inline void v8_fence() {}

#endif

}  // namespace
}  // namespace warp::merge_kernels::detail

#include "merge/merge_kernels_loops.h"

namespace warp::merge_kernels::detail {
const KernelSet* kernel_set_generic() {
  static const KernelSet k = make_kernel_set();
  return &k;
}
}  // namespace warp::merge_kernels::detail
