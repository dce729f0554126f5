// The inner loops of core/merge (merge_kernels.h) on raw arrays: every instruction-set version
// (generic, avx2, avx512 where this CPU runs them) against a scalar reference that spells out the
// documented order of operations (element → lane (i − block start) mod 8, lanes added in a fixed tree,
// blocks in order; out = (c0·o + c1·x1) + c2·x2 + ..., rounded once), bitwise, for float and double,
// M = 1..5, odd sizes, in-place output, 1 and 2 threads, and outputs large enough for non-temporal stores.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "merge/merge_kernels.h"

namespace {

namespace mk = warp::merge_kernels;

template <typename T>
struct Data {
  std::vector<T> o;
  std::vector<std::vector<T>> x;
  std::vector<const T*> ptrs() const {
    std::vector<const T*> p;
    for (const auto& v : x) p.push_back(v.data());
    return p;
  }
};

template <typename T>
Data<T> make_data(int M, int64_t n, unsigned seed) {
  // Uniform in (-1, 1) from a 64-bit LCG (the top 53 bits): fast enough for millions of elements.
  uint64_t state = 0x9E3779B97F4A7C15ull * (seed + 1);
  auto g = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return std::ldexp(static_cast<double>(state >> 11), -52) - 1.0;
  };
  Data<T> d;
  d.o.resize(static_cast<size_t>(n));
  for (auto& v : d.o) v = static_cast<T>(0.02 * g());
  for (int m = 0; m < M; ++m) {
    std::vector<T> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      x[static_cast<size_t>(i)] = static_cast<T>(d.o[static_cast<size_t>(i)] + 0.01 * g());
    if (m == 1 && n > 3) x[3] = d.o[3];  // a zero task-vector coordinate
    d.x.push_back(std::move(x));
  }
  return d;
}

double tree(const double* l) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

// The documented summation order, written out element by element.
template <typename T>
mk::DeltaSums reference_sums(const Data<T>& d, int M, int64_t n) {
  mk::DeltaSums s;
  s.sq.assign(static_cast<size_t>(M), 0.0);
  for (int64_t b0 = 0; b0 < n; b0 += mk::kReduceBlock) {
    const int64_t b1 = std::min(n, b0 + mk::kReduceBlock);
    std::vector<double> lanes(static_cast<size_t>((M + 1) * 8), 0.0);
    for (int64_t i = b0; i < b1; ++i) {
      const size_t l = static_cast<size_t>((i - b0) % 8);
      const double o = static_cast<double>(d.o[static_cast<size_t>(i)]);
      double d0 = 0;
      for (int m = 0; m < M; ++m) {
        const double dm = static_cast<double>(d.x[static_cast<size_t>(m)][static_cast<size_t>(i)]) - o;
        lanes[static_cast<size_t>(m) * 8 + l] += dm * dm;
        if (m == 0) d0 = dm;
        if (m == 1) lanes[static_cast<size_t>(M) * 8 + l] += d0 * dm;
      }
    }
    for (int m = 0; m < M; ++m) s.sq[static_cast<size_t>(m)] += tree(&lanes[static_cast<size_t>(m) * 8]);
    s.dot01 += tree(&lanes[static_cast<size_t>(M) * 8]);
  }
  return s;
}

template <typename T>
std::vector<T> reference_combine(const Data<T>& d, double c0, const std::vector<double>& c, int64_t n) {
  std::vector<T> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double t = c0 * static_cast<double>(d.o[static_cast<size_t>(i)]);
    for (size_t m = 0; m < c.size(); ++m) t = t + c[m] * static_cast<double>(d.x[m][static_cast<size_t>(i)]);
    out[static_cast<size_t>(i)] = static_cast<T>(t);
  }
  return out;
}

template <typename T>
std::vector<T> reference_dare(const Data<T>& d, const std::vector<uint64_t>& keys, double density, double scale,
                              int64_t n) {
  const uint64_t thr = mk::dare_threshold(density);
  const double factor = scale / density;
  std::vector<T> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double o = static_cast<double>(d.o[static_cast<size_t>(i)]);
    double s = 0;
    for (size_t m = 0; m < d.x.size(); ++m) {
      const double dm = static_cast<double>(d.x[m][static_cast<size_t>(i)]) - o;
      s += mk::dare_keep(keys[m], i, thr) ? dm : 0.0;
    }
    out[static_cast<size_t>(i)] = static_cast<T>(o + factor * s);
  }
  return out;
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same_sums(const mk::DeltaSums& got, const mk::DeltaSums& want, const std::string& what) {
  ASSERT_EQ(got.sq.size(), want.sq.size()) << what;
  for (size_t m = 0; m < want.sq.size(); ++m)
    EXPECT_TRUE(same_bits(got.sq[m], want.sq[m])) << what << ": sq[" << m << "] " << got.sq[m] << " vs " << want.sq[m];
  EXPECT_TRUE(same_bits(got.dot01, want.dot01)) << what << ": dot " << got.dot01 << " vs " << want.dot01;
}

// Restores the instruction set and thread count chosen before the test.
struct IsaGuard {
  std::string isa = mk::kernels_isa();
  int threads = at::get_num_threads();
  ~IsaGuard() {
    mk::use_kernels_isa(isa);
    at::set_num_threads(threads);
  }
};

// One input set with its reference results, checked against every instruction set.
template <typename T>
struct Case {
  int M;
  int64_t n;
  Data<T> d;
  std::vector<double> c;
  double c0;
  std::vector<uint64_t> keys;
  mk::DeltaSums sums;
  std::vector<T> out, dare;
};

template <typename T>
Case<T> make_case(int M, int64_t n) {
  Case<T> k{M, n, make_data<T>(M, n, static_cast<unsigned>(1000 * M + n)), {}, 1.0 - 0.61 * M, {}, {}, {}, {}};
  for (int m = 0; m < M; ++m) {
    k.c.push_back(0.3 + 0.17 * m);
    k.keys.push_back(mk::dare_key(7, "w", m));
  }
  k.sums = reference_sums(k.d, M, n);
  k.out = reference_combine(k.d, k.c0, k.c, n);
  k.dare = reference_dare(k.d, k.keys, 0.3, 0.9, n);
  return k;
}

template <typename T>
void check_all_kernels(const Case<T>& k, const std::string& isa, int threads) {
  const int M = k.M;
  const int64_t n = k.n;
  const std::string what = isa + " " + (sizeof(T) == 4 ? "float" : "double") + " M=" + std::to_string(M) +
                           " n=" + std::to_string(n) + " threads=" + std::to_string(threads);
  mk::use_kernels_isa(isa);
  at::set_num_threads(threads);
  const std::vector<const T*> x = k.d.ptrs();
  expect_same_sums(mk::delta_sums(k.d.o.data(), x.data(), M, n), k.sums, what + " delta_sums");

  std::vector<T> out(static_cast<size_t>(n));
  mk::combine(out.data(), k.d.o.data(), k.c0, x.data(), k.c.data(), M, n, nullptr);
  EXPECT_TRUE(same_bits(out, k.out)) << what << " combine";
  mk::DeltaSums s;
  std::fill(out.begin(), out.end(), T(0));
  mk::combine(out.data(), k.d.o.data(), k.c0, x.data(), k.c.data(), M, n, &s);
  EXPECT_TRUE(same_bits(out, k.out)) << what << " combine with sums";
  expect_same_sums(s, k.sums, what + " combine sums");
  // In place (the SLERP fold): out is x[0].
  std::vector<const T*> xe = x;
  out = k.d.x[0];
  xe[0] = out.data();
  mk::combine(out.data(), k.d.o.data(), k.c0, xe.data(), k.c.data(), M, n, &s);
  EXPECT_TRUE(same_bits(out, k.out)) << what << " combine in place";
  expect_same_sums(s, k.sums, what + " combine in place sums");

  std::fill(out.begin(), out.end(), T(0));
  mk::dare_combine(out.data(), k.d.o.data(), x.data(), k.keys.data(), M, 0.3, 0.9, n, &s);
  EXPECT_TRUE(same_bits(out, k.dare)) << what << " dare";
  expect_same_sums(s, k.sums, what + " dare sums");
}

TEST(MergeKernels, EveryInstructionSetFollowsTheDocumentedOrderBitwise) {
  IsaGuard guard;
  const auto isas = mk::kernels_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), "generic");
  for (int M = 1; M <= 5; ++M) {  // 5: the loop for any M (1, 3, 4 have their own instances)
    for (int64_t n : {int64_t(1), int64_t(7), int64_t(8), int64_t(13), int64_t(1003), 3 * mk::kReduceBlock + 5,
                      9 * mk::kReduceBlock + 333}) {
      const Case<float> f = make_case<float>(M, n);
      const Case<double> d = make_case<double>(M, n);
      for (const std::string& isa : isas) {
        check_all_kernels(f, isa, 1);
        check_all_kernels(d, isa, n > 8 * mk::kReduceBlock ? 2 : 1);
      }
    }
  }
}

// Outputs of 4M+ elements take the non-temporal stores (aligned output).
TEST(MergeKernels, LargeOutputsAreBitwiseTheSameOnEveryInstructionSet) {
  IsaGuard guard;
  const Case<float> f2 = make_case<float>(2, (int64_t(1) << 22) + 77);
  const Case<float> f1 = make_case<float>(1, (int64_t(1) << 22) + 13);
  const Case<float> f3 = make_case<float>(3, (int64_t(1) << 22) + 5);
  const Case<double> d2 = make_case<double>(2, (int64_t(1) << 22) + 3);
  for (const std::string& isa : mk::kernels_isas()) {
    check_all_kernels(f3, isa, 2);
    check_all_kernels(f2, isa, 2);
    check_all_kernels(f1, isa, 1);
    check_all_kernels(d2, isa, 2);
  }
}

// TIES has no closed-form order to restate here (test_merge_methods checks it against a float64
// reference): every version must agree with the generic one.
TEST(MergeKernels, TiesIsBitwiseTheSameOnEveryInstructionSet) {
  IsaGuard guard;
  const int64_t n = 2 * mk::kReduceBlock + 9;
  for (int M = 1; M <= 4; ++M) {
    const Data<float> d = make_data<float>(M, n, 77u + static_cast<unsigned>(M));
    const std::vector<const float*> x = d.ptrs();
    std::vector<mk::TiesKeep> keep;
    std::vector<double> scratch(static_cast<size_t>(n));
    for (int m = 0; m < M; ++m)
      keep.push_back(mk::ties_select(d.o.data(), x[static_cast<size_t>(m)], n, n / 5, scratch.data()));
    std::vector<float> first;
    for (const std::string& isa : mk::kernels_isas()) {
      mk::use_kernels_isa(isa);
      std::vector<float> out(static_cast<size_t>(n));
      mk::DeltaSums s;
      mk::ties_combine(out.data(), d.o.data(), x.data(), keep.data(), M, 0.8, n, &s);
      expect_same_sums(s, reference_sums(d, M, n), isa + " ties sums");
      if (first.empty()) first = out;
      EXPECT_TRUE(same_bits(out, first)) << isa << " ties M=" << M;
    }
  }
}

TEST(MergeKernels, UnknownInstructionSetIsRefused) {
  IsaGuard guard;
  EXPECT_THROW(mk::use_kernels_isa("sse9"), std::invalid_argument);
  for (const std::string& isa : mk::kernels_isas()) {
    mk::use_kernels_isa(isa);
    EXPECT_EQ(mk::kernels_isa(), isa);
  }
}

}  // namespace
