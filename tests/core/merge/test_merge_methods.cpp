// Tests of the per-tensor merge methods against float64 references written here as plain whole-tensor
// formulas (torch ops in kDouble, independent of the kernels' blocked loops), the paper's lemmas on
// SLERP / LERP norms, the SLERP guards, the M > 2 fold, and hand-computed TIES / DARE cases.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "merge/merge_kernels.h"
#include "merge/merge_methods.h"
#include "util/error.h"

using namespace warp;

namespace {

constexpr double kPi = 3.14159265358979323846;

torch::Tensor D(const torch::Tensor& t) { return t.to(torch::kFloat64).flatten(); }

// ---- float64 references ------------------------------------------------------------------------------

struct RefSlerp {
  torch::Tensor value;  // float64, flat
  bool fallback = false;
  double omega_deg = std::nan("");
};

RefSlerp ref_slerp2(const torch::Tensor& o, const torch::Tensor& a, const torch::Tensor& b, double lambda) {
  const torch::Tensor d1 = D(a) - D(o), d2 = D(b) - D(o);
  const double n1 = d1.norm().item<double>(), n2 = d2.norm().item<double>();
  RefSlerp r;
  double c1 = 1 - lambda, c2 = lambda;
  r.fallback = true;
  if (n1 > 0 && n2 > 0) {
    const double cosw = std::max(-1.0, std::min(1.0, (d1 * d2).sum().item<double>() / (n1 * n2)));
    const double w = std::acos(cosw);
    r.omega_deg = w * 180 / kPi;
    if (std::sin(w) >= kSlerpMinSinOmega) {
      c1 = std::sin((1 - lambda) * w) / std::sin(w);
      c2 = std::sin(lambda * w) / std::sin(w);
      r.fallback = false;
    }
  }
  r.value = D(o) + c1 * d1 + c2 * d2;
  return r;
}

torch::Tensor ref_merge(const MergeParams& p, const std::string& name, const torch::Tensor& o,
                        const std::vector<torch::Tensor>& xs) {
  const int M = static_cast<int>(xs.size());
  const torch::Tensor od = D(o);
  std::vector<torch::Tensor> d;
  for (const auto& x : xs) d.push_back(D(x) - od);
  switch (p.method) {
    case MergeMethod::Slerp: {
      if (M == 2) return ref_slerp2(o, xs[0], xs[1], p.lambda).value;
      // The fold: the accumulator is a model tensor, stored in the models' dtype between steps.
      torch::Tensor acc = D(xs[0]);
      for (int m = 1; m < M; ++m) {
        acc = ref_slerp2(od, acc, D(xs[static_cast<size_t>(m)]), 1.0 / (m + 1)).value;
        if (m + 1 < M) acc = D(acc.to(o.scalar_type()));
      }
      return acc;
    }
    case MergeMethod::Lerp: {
      if (M == 2) return od + (1 - p.lambda) * d[0] + p.lambda * d[1];
      torch::Tensor s = torch::zeros_like(od);
      for (const auto& dm : d) s = s + dm;
      return od + s / M;
    }
    case MergeMethod::Liti:
      return (1 - p.eta) * od + p.eta * D(xs[0]);
    case MergeMethod::TaskArithmetic: {
      torch::Tensor s = torch::zeros_like(od);
      for (const auto& dm : d) s = s + dm;
      return od + p.scale * s;
    }
    case MergeMethod::Ties: {
      const int64_t n = od.numel();
      const int64_t k = std::max<int64_t>(1, std::llround(p.density * static_cast<double>(n)));
      std::vector<torch::Tensor> trimmed;
      for (const auto& dm : d) {
        torch::Tensor keep = torch::zeros({n}, torch::kBool);
        keep.index_put_({std::get<1>(dm.abs().topk(std::min(k, n)))}, true);
        trimmed.push_back(torch::where(keep, dm, torch::zeros_like(dm)));
      }
      torch::Tensor total = torch::zeros_like(od);
      for (const auto& t : trimmed) total = total + t;
      const torch::Tensor sign = total.sign();
      torch::Tensor sum = torch::zeros_like(od), count = torch::zeros_like(od);
      for (const auto& t : trimmed) {
        const torch::Tensor agree = (t.sign() == sign) & (t != 0);
        sum = sum + torch::where(agree, t, torch::zeros_like(t));
        count = count + agree.to(torch::kFloat64);
      }
      return od + p.scale * sum / count.clamp_min(1);
    }
    case MergeMethod::Dare: {
      torch::Tensor s = torch::zeros_like(od);
      for (int m = 0; m < M; ++m) {
        const torch::Tensor mask = dare_keep_mask(p.seed, name, m, od.numel(), p.density).to(torch::kFloat64);
        s = s + d[static_cast<size_t>(m)] * mask / p.density;
      }
      return od + p.scale * s;
    }
  }
  return {};
}

// |got − ref| within what rounding the exact value to got's dtype allows (plus float64 noise).
void expect_matches_ref(const torch::Tensor& got, const torch::Tensor& ref, const std::string& what) {
  const torch::Tensor g = D(got);
  ASSERT_EQ(g.numel(), ref.numel()) << what;
  ASSERT_TRUE(torch::isfinite(g).all().item<bool>()) << what;
  const double ulp = got.scalar_type() == torch::kFloat64   ? 2.3e-16
                     : got.scalar_type() == torch::kFloat32 ? 1.2e-7
                     : got.scalar_type() == torch::kFloat16 ? 9.8e-4
                                                            : 7.9e-3;
  const double max_ref = ref.abs().max().item<double>();
  const torch::Tensor tol = ulp * ref.abs() + 1e-12 * max_ref + 1e-300;
  const torch::Tensor err = (g - ref).abs();
  const int64_t bad = (err > tol).sum().item<int64_t>();
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << g.numel() << " elements off, max error "
                    << err.max().item<double>() << " (max |ref| " << max_ref << ")";
}

bool bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()) == 0;
}

// θ_init and M models near it (task vectors of relative size ~0.1), seeded.
struct Models {
  torch::Tensor init;
  std::vector<torch::Tensor> xs;
};
Models random_models(std::vector<int64_t> shape, int M, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  Models r;
  r.init = torch::randn(shape, torch::kFloat64).to(dtype);
  for (int m = 0; m < M; ++m)
    r.xs.push_back((D(r.init).reshape(shape) + 0.1 * torch::randn(shape, torch::kFloat64)).to(dtype));
  return r;
}

// θ_init + δ1, θ_init + δ2 with ‖δ1‖ = ‖δ2‖ = radius and the angle omega between them (float64).
Models pair_at_angle(int64_t n, double omega, double radius, uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor o = torch::randn({n}, torch::kFloat64);
  torch::Tensor u = torch::randn({n}, torch::kFloat64);
  u = u / u.norm();
  torch::Tensor v = torch::randn({n}, torch::kFloat64);
  v = v - (v * u).sum() * u;
  v = v / v.norm();
  Models r;
  r.init = o;
  r.xs = {o + radius * u, o + radius * (std::cos(omega) * u + std::sin(omega) * v)};
  return r;
}

// ---- the data-driven reference comparison ------------------------------------------------------------

struct Case {
  std::string name;
  MergeMethod method;
  int M;
  double lambda, eta, scale, density;
  torch::Dtype dtype;
  std::vector<int64_t> shape;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MergeVsReference : public ::testing::TestWithParam<Case> {};

TEST_P(MergeVsReference, MatchesFloat64Reference) {
  const Case& c = GetParam();
  MergeParams p;
  p.method = c.method;
  p.lambda = c.lambda;
  p.eta = c.eta;
  p.scale = c.scale;
  p.density = c.density;
  p.seed = 1234;
  const Models m = random_models(c.shape, c.M, c.dtype, 7 + c.M);
  TensorMergeRecord rec;
  const torch::Tensor got = merge_tensor(p, "h.0.mlp.c_fc.weight", m.init, m.xs, &rec);
  EXPECT_EQ(got.scalar_type(), c.dtype);
  EXPECT_EQ(got.sizes(), m.init.sizes());
  expect_matches_ref(got, ref_merge(p, "h.0.mlp.c_fc.weight", m.init, m.xs), c.name);

  // The record: float64 norms of every task vector, the δ1/δ2 angle.
  ASSERT_EQ(rec.delta_norms.size(), static_cast<size_t>(c.M));
  EXPECT_EQ(rec.numel, m.init.numel());
  for (int k = 0; k < c.M; ++k) {
    const double want = (D(m.xs[static_cast<size_t>(k)]) - D(m.init)).norm().item<double>();
    EXPECT_NEAR(rec.delta_norms[static_cast<size_t>(k)], want, 1e-12 * want) << c.name << " model " << k + 1;
  }
  if (c.M >= 2) {
    ASSERT_FALSE(rec.omega_deg.empty());
    const torch::Tensor d1 = D(m.xs[0]) - D(m.init), d2 = D(m.xs[1]) - D(m.init);
    const double want = std::acos((d1 * d2).sum().item<double>() / (d1.norm() * d2.norm()).item<double>()) * 180 / kPi;
    EXPECT_NEAR(rec.omega_deg[0], want, 1e-9) << c.name;
  }
  EXPECT_EQ(rec.fallback.size(), c.method == MergeMethod::Slerp ? static_cast<size_t>(c.M - 1) : size_t(0));
  EXPECT_FALSE(rec.any_fallback());
  // The read-only scan gives the same record, bit for bit (the file merge relies on it).
  const TensorMergeRecord scanned = measure_tensor(p, "h.0.mlp.c_fc.weight", torch::empty_like(m.init), m.init, m.xs);
  EXPECT_TRUE(same_record(scanned, rec)) << c.name << ": " << scanned.to_json() << " vs " << rec.to_json();
}

const std::vector<int64_t> kSmall = {37, 19};  // not a multiple of the SIMD lanes
const std::vector<int64_t> kLarge = {300007};  // many reduction blocks, split over threads

INSTANTIATE_TEST_SUITE_P(
    Methods, MergeVsReference,
    ::testing::Values(
        Case{"slerp_M2_l05_f32", MergeMethod::Slerp, 2, 0.5, 0, 1, 1, torch::kFloat32, kSmall},
        Case{"slerp_M2_l03_f32_large", MergeMethod::Slerp, 2, 0.3, 0, 1, 1, torch::kFloat32, kLarge},
        Case{"slerp_M2_l08_f64", MergeMethod::Slerp, 2, 0.8, 0, 1, 1, torch::kFloat64, kSmall},
        Case{"slerp_M3_f32", MergeMethod::Slerp, 3, 0.5, 0, 1, 1, torch::kFloat32, kSmall},
        Case{"slerp_M4_f64_large", MergeMethod::Slerp, 4, 0.5, 0, 1, 1, torch::kFloat64, kLarge},
        Case{"slerp_M2_bf16", MergeMethod::Slerp, 2, 0.5, 0, 1, 1, torch::kBFloat16, kSmall},
        Case{"lerp_M2_l025_f32", MergeMethod::Lerp, 2, 0.25, 0, 1, 1, torch::kFloat32, kSmall},
        Case{"lerp_M3_f32_large", MergeMethod::Lerp, 3, 0.5, 0, 1, 1, torch::kFloat32, kLarge},
        Case{"lerp_M2_f16", MergeMethod::Lerp, 2, 0.7, 0, 1, 1, torch::kFloat16, kSmall},
        Case{"liti_e03_f32", MergeMethod::Liti, 1, 0.5, 0.3, 1, 1, torch::kFloat32, kSmall},
        Case{"liti_e07_f64_large", MergeMethod::Liti, 1, 0.5, 0.7, 1, 1, torch::kFloat64, kLarge},
        Case{"task_arith_M1_s05_f32", MergeMethod::TaskArithmetic, 1, 0.5, 0, 0.5, 1, torch::kFloat32, kSmall},
        Case{"task_arith_M3_s1_f32_large", MergeMethod::TaskArithmetic, 3, 0.5, 0, 1.0, 1, torch::kFloat32, kLarge},
        Case{"ties_M2_d02_f32", MergeMethod::Ties, 2, 0.5, 0, 1.0, 0.2, torch::kFloat32, kSmall},
        Case{"ties_M3_d05_s07_f32_large", MergeMethod::Ties, 3, 0.5, 0, 0.7, 0.5, torch::kFloat32, kLarge},
        Case{"ties_M2_d1_f64", MergeMethod::Ties, 2, 0.5, 0, 1.0, 1.0, torch::kFloat64, kSmall},
        Case{"dare_M2_d03_f32", MergeMethod::Dare, 2, 0.5, 0, 1.0, 0.3, torch::kFloat32, kSmall},
        Case{"dare_M3_d09_s05_f32_large", MergeMethod::Dare, 3, 0.5, 0, 0.5, 0.9, torch::kFloat32, kLarge},
        Case{"dare_M1_d05_f64", MergeMethod::Dare, 1, 0.5, 0, 1.0, 0.5, torch::kFloat64, kSmall}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- endpoints ------------------------------------------------------------------------------------------

struct Endpoint {
  std::string name;
  MergeMethod method;
  double lambda, eta;
  int expect_model;  // 0: θ_init, k: model k
};
void PrintTo(const Endpoint& e, std::ostream* os) { *os << e.name; }

class MergeEndpoints : public ::testing::TestWithParam<Endpoint> {};

TEST_P(MergeEndpoints, ReproduceTheInputsExactly) {
  const Endpoint& e = GetParam();
  MergeParams p;
  p.method = e.method;
  p.lambda = e.lambda;
  p.eta = e.eta;
  for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
    const Models m = random_models({41, 7}, e.method == MergeMethod::Liti ? 1 : 2, dtype, 99);
    const torch::Tensor got = merge_tensor(p, "w", m.init, m.xs);
    const torch::Tensor& want = e.expect_model == 0 ? m.init : m.xs[static_cast<size_t>(e.expect_model - 1)];
    EXPECT_TRUE(bitwise_equal(got, want)) << e.name << " " << dtype;
  }
}

INSTANTIATE_TEST_SUITE_P(Endpoints, MergeEndpoints,
                         ::testing::Values(Endpoint{"slerp_l0", MergeMethod::Slerp, 0.0, 0.3, 1},
                                           Endpoint{"slerp_l1", MergeMethod::Slerp, 1.0, 0.3, 2},
                                           Endpoint{"lerp_l0", MergeMethod::Lerp, 0.0, 0.3, 1},
                                           Endpoint{"lerp_l1", MergeMethod::Lerp, 1.0, 0.3, 2},
                                           Endpoint{"liti_e0", MergeMethod::Liti, 0.5, 0.0, 0},
                                           Endpoint{"liti_e1", MergeMethod::Liti, 0.5, 1.0, 1}),
                         [](const ::testing::TestParamInfo<Endpoint>& info) { return info.param.name; });

// ---- the lemmas -------------------------------------------------------------------------------------------

// Lemma 1: with ‖δ1‖ = ‖δ2‖ = r, slerp's task vector has norm r for every λ (it stays on the circle).
// Lemma 2: LERP at λ = 1/2 gives ‖(δ1 + δ2)/2‖ = ½·sqrt(2r² + 2r² cos Ω) = r·sqrt((1 + cos Ω)/2) = r·cos(Ω/2).
TEST(MergeLemmas, SlerpKeepsTheNormLerpShrinksIt) {
  const double r = 0.75;
  // float64 storage checks the formulas tightly; float32 (real checkpoints) within the rounding of θ,
  // which moves ‖δ‖ and Ω by ~1e-5 relative at this size.
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    const double tol = dtype == torch::kFloat64 ? 1e-10 : 3e-5;
    for (double deg : {5.0, 30.0, 60.0, 90.0, 120.0, 150.0, 175.0}) {
      const double omega = deg * kPi / 180;
      const Models m64 = pair_at_angle(4099, omega, r, 5);
      const torch::Tensor o = m64.init.to(dtype);
      const std::vector<torch::Tensor> xs = {m64.xs[0].to(dtype), m64.xs[1].to(dtype)};
      for (double lambda : {0.1, 0.25, 0.5, 0.8}) {
        SlerpStep st;
        const torch::Tensor s = slerp(o, xs[0], xs[1], lambda, &st);
        EXPECT_FALSE(st.fallback) << deg;
        EXPECT_NEAR(st.omega_deg, deg, tol * 100) << deg;
        EXPECT_NEAR((D(s) - D(o)).norm().item<double>(), r, tol * r) << "Ω " << deg << "° λ " << lambda << " " << dtype;
      }
      MergeParams p;
      p.method = MergeMethod::Lerp;
      p.lambda = 0.5;
      const torch::Tensor l = merge_tensor(p, "w", o, xs);
      EXPECT_NEAR((D(l) - D(o)).norm().item<double>(), r * std::sqrt((1 + std::cos(omega)) / 2), tol * r)
          << deg << " " << dtype;
      // SLERP ≠ LERP away from Ω = 0: the lemmas separate the two.
      EXPECT_GT(std::abs(r - r * std::cos(omega / 2)), 10 * tol * r);
    }
  }
}

// ---- SLERP guards -------------------------------------------------------------------------------------------

struct Degenerate {
  std::string name;
  double factor;  // δ2 = factor · δ1
  bool zero_first;
};
void PrintTo(const Degenerate& d, std::ostream* os) { *os << d.name; }

class SlerpFallback : public ::testing::TestWithParam<Degenerate> {};

TEST_P(SlerpFallback, UsesLerpAndStaysFinite) {
  const Degenerate& c = GetParam();
  torch::manual_seed(3);
  const torch::Tensor o = torch::randn({513});
  const torch::Tensor d1 = c.zero_first ? torch::zeros({513}) : 0.05 * torch::randn({513});
  const torch::Tensor a = o + d1;
  const torch::Tensor b = c.zero_first ? o + 0.05 * torch::randn({513}) : o + c.factor * d1;
  for (double lambda : {0.3, 0.5}) {
    SlerpStep st;
    const torch::Tensor s = slerp(o, a, b, lambda, &st);
    EXPECT_TRUE(st.fallback) << c.name;
    EXPECT_TRUE(torch::isfinite(s).all().item<bool>()) << c.name;
    MergeParams lp;
    lp.method = MergeMethod::Lerp;
    lp.lambda = lambda;
    EXPECT_TRUE(bitwise_equal(s, merge_tensor(lp, "w", o, {a, b}))) << c.name << " λ " << lambda;
    expect_matches_ref(s, D(o) + (1 - lambda) * (D(a) - D(o)) + lambda * (D(b) - D(o)), c.name);
    if (c.zero_first || c.factor == 0) {
      EXPECT_TRUE(std::isnan(st.omega_deg)) << c.name;
    }
  }
  MergeParams sp;  // recorded through merge_tensor too
  TensorMergeRecord rec;
  merge_tensor(sp, "w", o, {a, b}, &rec);
  ASSERT_EQ(rec.fallback.size(), 1u);
  EXPECT_TRUE(rec.fallback[0]);
  EXPECT_TRUE(rec.any_fallback());
}

INSTANTIATE_TEST_SUITE_P(Guards, SlerpFallback,
                         ::testing::Values(Degenerate{"parallel", 2.0, false}, Degenerate{"parallel_equal", 1.0, false},
                                           Degenerate{"antiparallel", -1.0, false},
                                           Degenerate{"antiparallel_scaled", -3.0, false},
                                           Degenerate{"zero_second", 0.0, false}, Degenerate{"zero_first", 1.0, true}),
                         [](const ::testing::TestParamInfo<Degenerate>& info) { return info.param.name; });

TEST(SlerpGuard, NearlyParallelAboveTheThresholdStillSlerps) {
  // Ω = 0.5°: sin Ω ≈ 8.7e-3, well above kSlerpMinSinOmega.
  const Models m = pair_at_angle(2000, 0.5 * kPi / 180, 1.0, 11);
  SlerpStep st;
  const torch::Tensor s = slerp(m.init, m.xs[0], m.xs[1], 0.5, &st);
  EXPECT_FALSE(st.fallback);
  EXPECT_NEAR(st.omega_deg, 0.5, 1e-9);
  expect_matches_ref(s, ref_slerp2(m.init, m.xs[0], m.xs[1], 0.5).value, "0.5 degrees");
}

// The guard at both ends of [0°, 180°]: sin Ω < kSlerpMinSinOmega (1e-4: Ω within 0.0057° of 0° or of
// 180°) falls back to LERP; just outside that, SLERP. Near 180° (antiparallel task vectors) the SLERP
// weights sin((1−λ)Ω)/sin Ω grow like 1/sin Ω, which the guard bounds the same way as near 0°.
struct GuardAngle {
  std::string name;
  double deg;
  bool fallback;
};
void PrintTo(const GuardAngle& g, std::ostream* os) { *os << g.name; }

class SlerpGuardAngle : public ::testing::TestWithParam<GuardAngle> {};

TEST_P(SlerpGuardAngle, FallsBackExactlyWithinTheThreshold) {
  const GuardAngle& g = GetParam();
  const Models m = pair_at_angle(2000, g.deg * kPi / 180, 1.0, 23);
  ASSERT_EQ(std::sin(g.deg * kPi / 180) < kSlerpMinSinOmega, g.fallback) << g.name;  // the case is on its side
  for (double lambda : {0.3, 0.5}) {
    SlerpStep st;
    const torch::Tensor s = slerp(m.init, m.xs[0], m.xs[1], lambda, &st);
    EXPECT_EQ(st.fallback, g.fallback) << g.name;
    EXPECT_NEAR(st.omega_deg, g.deg, 1e-6) << g.name;
    EXPECT_TRUE(torch::isfinite(s).all().item<bool>()) << g.name;
    if (g.fallback) {
      MergeParams lp;
      lp.method = MergeMethod::Lerp;
      lp.lambda = lambda;
      EXPECT_TRUE(bitwise_equal(s, merge_tensor(lp, "w", m.init, m.xs))) << g.name << " λ " << lambda;
    } else {
      // SLERP's weights grow like 1/sin Ω, and so does the effect of float64 rounding in the angle
      // (blocked sums here, a whole-tensor sum in the reference): tolerance 1e-12·max|ref| / sin Ω.
      const torch::Tensor ref = ref_slerp2(m.init, m.xs[0], m.xs[1], lambda).value;
      const double max_ref = ref.abs().max().item<double>();
      EXPECT_LT((D(s) - ref).abs().max().item<double>(), 1e-12 * max_ref / std::sin(g.deg * kPi / 180)) << g.name;
      // SLERP of equal-norm task vectors keeps the norm (LERP would shrink it to ~0 near 180°).
      EXPECT_NEAR((D(s) - D(m.init)).norm().item<double>(), 1.0, 1e-6) << g.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Guards, SlerpGuardAngle,
                         ::testing::Values(GuardAngle{"parallel_within", 0.003, true},
                                           GuardAngle{"parallel_outside", 0.01, false},
                                           GuardAngle{"antiparallel_outside", 179.99, false},
                                           GuardAngle{"antiparallel_within", 179.997, true},
                                           GuardAngle{"antiparallel_half_degree", 179.5, false}),
                         [](const ::testing::TestParamInfo<GuardAngle>& info) { return info.param.name; });

// ---- the M > 2 fold -------------------------------------------------------------------------------------------

TEST(SlerpFold, ThreeModelsEqualTheCompositionByHand) {
  const Models m = random_models({123, 5}, 3, torch::kFloat32, 21);
  MergeParams p;  // slerp; λ is not used for M > 2
  p.lambda = 0.9;
  TensorMergeRecord rec;
  const torch::Tensor fold = merge_tensor(p, "w", m.init, m.xs, &rec);
  SlerpStep s1, s2;
  const torch::Tensor step1 = slerp(m.init, m.xs[0], m.xs[1], 0.5, &s1);
  const torch::Tensor by_hand = slerp(m.init, step1, m.xs[2], 1.0 / 3.0, &s2);
  EXPECT_TRUE(bitwise_equal(fold, by_hand));
  ASSERT_EQ(rec.omega_deg.size(), 2u);
  EXPECT_EQ(rec.omega_deg[0], s1.omega_deg);
  EXPECT_EQ(rec.omega_deg[1], s2.omega_deg);
  ASSERT_EQ(rec.delta_norms.size(), 3u);
  EXPECT_EQ(rec.delta_norms[2], s2.norm_b);
  EXPECT_NEAR(rec.delta_norms[2], (D(m.xs[2]) - D(m.init)).norm().item<double>(), 1e-12);
  // Independent check of the composition, all in float64.
  const torch::Tensor ref1 = ref_slerp2(m.init, m.xs[0], m.xs[1], 0.5).value;
  const torch::Tensor ref = ref_slerp2(D(m.init), ref1, D(m.xs[2]), 1.0 / 3.0).value;
  EXPECT_LT((D(fold) - ref).abs().max().item<double>(), 1e-6);
}

// ---- TIES and DARE on hand-computed vectors ------------------------------------------------------------------

struct HandCase {
  std::string name;
  std::vector<float> init;
  std::vector<std::vector<float>> deltas;
  double density, scale;
  std::vector<float> expected;
};
void PrintTo(const HandCase& h, std::ostream* os) { *os << h.name; }

class TiesByHand : public ::testing::TestWithParam<HandCase> {};

TEST_P(TiesByHand, MatchesTheHandComputation) {
  const HandCase& h = GetParam();
  const int64_t n = static_cast<int64_t>(h.init.size());
  const torch::Tensor o = torch::tensor(h.init);
  std::vector<torch::Tensor> xs;
  for (const auto& d : h.deltas) xs.push_back(o + torch::tensor(d));
  MergeParams p;
  p.method = MergeMethod::Ties;
  p.density = h.density;
  p.scale = h.scale;
  const torch::Tensor got = merge_tensor(p, "w", o, xs);
  const torch::Tensor want = o + torch::tensor(h.expected);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_FLOAT_EQ(got[i].item<float>(), want[i].item<float>()) << h.name << " [" << i << "]";
}

INSTANTIATE_TEST_SUITE_P(
    Ties, TiesByHand,
    ::testing::Values(
        // k = 2 of 4. δ1 keeps 3 and −2; δ2 keeps 4 and, of the tied |−1| and |1|, index 0 first (−1).
        // Sums [−1, −2, 7, 0] → signs [−, −, +, 0]; means of the agreeing: [−1, −2, (3+4)/2, 0].
        HandCase{"trim_with_tie",
                 {0.5f, 0.5f, 0.5f, 0.5f},
                 {{1, -2, 3, 0.5f}, {-1, 1, 4, -0.5f}},
                 0.5,
                 1.0,
                 {-1, -2, 3.5f, 0}},
        // No trimming. Sums [1, −3, −1] → signs [+, −, −]; agreeing means [2, −5, −1]; × 0.5.
        HandCase{"sign_election_three_models",
                 {0, 1, -1},
                 {{2, 1, -1}, {-3, 1, -1}, {2, -5, 1}},
                 1.0,
                 0.5,
                 {1, -2.5f, -0.5f}},
        // Opposite values cancel: sum 0 → no sign → 0 (θ_init kept).
        HandCase{"cancelling_signs", {2, 2}, {{1, -1}, {-1, 1}}, 1.0, 1.0, {0, 0}},
        // One model, k = round(0.25·8) = 2: the two largest magnitudes survive.
        HandCase{"single_model_trim",
                 {0, 0, 0, 0, 0, 0, 0, 0},
                 {{0.1f, -0.9f, 0.2f, 0.3f, 0.8f, -0.1f, 0, 0.4f}},
                 0.25,
                 2.0,
                 {0, -1.8f, 0, 0, 1.6f, 0, 0, 0}},
        // Ties beyond the quota: |δ| = 1 four times, k = 2 → the first two indices only.
        HandCase{"ties_kept_in_index_order", {0, 0, 0, 0}, {{1, -1, 1, -1}}, 0.5, 1.0, {1, -1, 0, 0}}),
    [](const ::testing::TestParamInfo<HandCase>& info) { return info.param.name; });

TEST(Ties, KeepCount) {
  EXPECT_EQ(ties_keep_count(10, 0.2), 2);
  EXPECT_EQ(ties_keep_count(10, 0.25), 3);  // round half away from zero
  EXPECT_EQ(ties_keep_count(3, 0.1), 1);    // at least one
  EXPECT_EQ(ties_keep_count(7, 1.0), 7);
  EXPECT_EQ(ties_keep_count(0, 0.5), 0);
}

TEST(Dare, HandComputedWithItsMask) {
  // δ values exact in float32, density 1/2: every coordinate is θ_init (dropped) or θ_init + 2δ·scale.
  const torch::Tensor o = torch::tensor({1.0f, -2.0f, 0.5f, 3.0f, 0.0f, -1.0f, 2.0f, 4.0f});
  const torch::Tensor d1 = torch::tensor({0.25f, 0.5f, -0.75f, 1.0f, -0.125f, 0.0625f, 2.0f, -1.5f});
  const torch::Tensor d2 = torch::tensor({-0.5f, 0.25f, 0.125f, -1.0f, 1.0f, 0.5f, -0.25f, 0.75f});
  MergeParams p;
  p.method = MergeMethod::Dare;
  p.density = 0.5;
  p.scale = 0.5;
  p.seed = 42;
  const torch::Tensor got = merge_tensor(p, "h.1.attn.c_proj.bias", o, {o + d1, o + d2});
  const torch::Tensor k1 = dare_keep_mask(42, "h.1.attn.c_proj.bias", 0, 8, 0.5);
  const torch::Tensor k2 = dare_keep_mask(42, "h.1.attn.c_proj.bias", 1, 8, 0.5);
  for (int i = 0; i < 8; ++i) {
    // scale · (kept δ) / density = 0.5 · 2 · δ = δ
    const float want = o[i].item<float>() + (k1[i].item<bool>() ? d1[i].item<float>() : 0.0f) +
                       (k2[i].item<bool>() ? d2[i].item<float>() : 0.0f);
    EXPECT_FLOAT_EQ(got[i].item<float>(), want) << i;
  }
  // The masks are not trivial here (both kept and dropped coordinates occur).
  const int64_t kept = k1.sum().item<int64_t>() + k2.sum().item<int64_t>();
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 16);
}

TEST(Dare, MaskIsSeededPerTensorAndModel) {
  const int64_t n = 200000;
  const torch::Tensor a = dare_keep_mask(7, "wte.weight", 0, n, 0.3);
  EXPECT_TRUE(torch::equal(a, dare_keep_mask(7, "wte.weight", 0, n, 0.3)));
  EXPECT_FALSE(torch::equal(a, dare_keep_mask(8, "wte.weight", 0, n, 0.3)));
  EXPECT_FALSE(torch::equal(a, dare_keep_mask(7, "wpe.weight", 0, n, 0.3)));
  EXPECT_FALSE(torch::equal(a, dare_keep_mask(7, "wte.weight", 1, n, 0.3)));
  // Kept fraction ≈ density (binomial sd ≈ 0.001 at this n), and a prefix of a mask is the mask of the prefix.
  EXPECT_NEAR(a.to(torch::kFloat64).mean().item<double>(), 0.3, 0.006);
  EXPECT_TRUE(torch::equal(a.slice(0, 0, 1000), dare_keep_mask(7, "wte.weight", 0, 1000, 0.3)));
  // Density 1 keeps everything: DARE then is task arithmetic.
  EXPECT_TRUE(dare_keep_mask(7, "wte.weight", 0, n, 1.0).all().item<bool>());
  const Models m = random_models({999}, 2, torch::kFloat32, 4);
  MergeParams dare, ta;
  dare.method = MergeMethod::Dare;
  dare.density = 1.0;
  dare.scale = 0.6;
  ta.method = MergeMethod::TaskArithmetic;
  ta.scale = 0.6;
  expect_matches_ref(merge_tensor(dare, "w", m.init, m.xs), D(merge_tensor(ta, "w", m.init, m.xs)), "dare d=1");
}

// ---- determinism, checks ------------------------------------------------------------------------------------------

TEST(MergeKernels, ResultsDoNotDependOnThreadCount) {
  const Models m = random_models({1 << 19}, 2, torch::kFloat32, 8);
  const int threads = at::get_num_threads();
  for (MergeMethod method : {MergeMethod::Slerp, MergeMethod::Ties, MergeMethod::Dare}) {
    MergeParams p;
    p.method = method;
    p.density = 0.4;
    at::set_num_threads(1);
    TensorMergeRecord r1, r2;
    const torch::Tensor one = merge_tensor(p, "w", m.init, m.xs, &r1);
    at::set_num_threads(2);
    const torch::Tensor two = merge_tensor(p, "w", m.init, m.xs, &r2);
    EXPECT_TRUE(bitwise_equal(one, two)) << merge_method_name(method);
    EXPECT_EQ(r1.delta_norms, r2.delta_norms);
    EXPECT_EQ(r1.omega_deg, r2.omega_deg);
  }
  at::set_num_threads(threads);
}

TEST(MergeChecks, BadParametersNameTheProblem) {
  const Models m = random_models({4}, 2, torch::kFloat32, 1);
  auto expect_bad = [&](MergeParams p, const std::vector<torch::Tensor>& xs, const std::string& needle) {
    try {
      merge_tensor(p, "w", m.init, xs);
      ADD_FAILURE() << "no error, expected one mentioning " << needle;
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  MergeParams p;
  p.lambda = 1.5;
  expect_bad(p, m.xs, "lambda");
  p = {};
  p.lambda = std::nan("");
  expect_bad(p, m.xs, "lambda");
  p = {};
  expect_bad(p, {m.xs[0]}, "at least 2 models");
  p.method = MergeMethod::Liti;
  expect_bad(p, m.xs, "exactly 1 model");
  p.eta = -0.1;
  expect_bad(p, {m.xs[0]}, "eta");
  p = {};
  p.method = MergeMethod::Ties;
  p.density = 0;
  expect_bad(p, m.xs, "density");
  p.density = 1.01;
  expect_bad(p, m.xs, "density");
  p = {};
  p.method = MergeMethod::TaskArithmetic;
  p.scale = INFINITY;
  expect_bad(p, m.xs, "scale");
  p = {};
  expect_bad(p, {m.xs[0], torch::zeros({5})}, "model 2 has shape [5], expected [4]");
  expect_bad(p, {m.xs[0], m.xs[1].to(torch::kFloat64)}, "model 2 is float64, expected float32");
  torch::Tensor nan = m.xs[1].clone();
  nan[2] = NAN;
  expect_bad(p, {m.xs[0], nan}, "non-finite");
  EXPECT_THROW(merge_tensor(p, "w", torch::zeros({4}, torch::kInt64),
                            {torch::zeros({4}, torch::kInt64), torch::zeros({4}, torch::kInt64)}),
               BadInput);
  EXPECT_THROW(parse_merge_method("average"), BadInput);
  for (auto method : {MergeMethod::Slerp, MergeMethod::Lerp, MergeMethod::Liti, MergeMethod::TaskArithmetic,
                      MergeMethod::Ties, MergeMethod::Dare})
    EXPECT_EQ(parse_merge_method(merge_method_name(method)), method);
}

TEST(MergeRecords, JsonHasNullForUndefinedAngles) {
  TensorMergeRecord r;
  r.name = "w";
  r.numel = 3;
  r.delta_norms = {0.0, 1.5};
  r.omega_deg = {std::nan("")};
  r.fallback = {true};
  const auto j = r.to_json();
  EXPECT_EQ(j["name"], "w");
  EXPECT_TRUE(j["omega_deg"][0].is_null());
  EXPECT_EQ(j["delta_norms"][1], 1.5);
  EXPECT_EQ(j["fallback"][0], true);
}

}  // namespace
