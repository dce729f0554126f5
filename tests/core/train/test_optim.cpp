// AdamW, gradient clipping and the LR schedule against independent references:
// LibTorch's own torch::optim::AdamW, hand-computed norms and schedule values.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "train/adamw.h"
#include "train/lr_schedule.h"
#include "util/error.h"

using namespace warp;

namespace {

// A small problem with a matrix (decayed) and a vector (not decayed) parameter.
struct Problem {
  torch::Tensor w, b;
  explicit Problem(int seed) {
    torch::manual_seed(seed);
    w = torch::randn({4, 3}, torch::kFloat64).requires_grad_(true);
    b = torch::randn({3}, torch::kFloat64).requires_grad_(true);
  }
  torch::Tensor loss(int step) const {
    auto x = torch::arange(12, torch::kFloat64).reshape({3, 4}) / (step + 1.0);
    return (torch::mm(x, w) + b).sin().pow(2).sum();
  }
};

}  // namespace

TEST(AdamW, MatchesLibTorchAdamW) {
  Problem mine(1), ref(1);
  AdamWConfig cfg;
  cfg.lr = 0.05;
  cfg.weight_decay = 0.1;
  AdamW opt({{"w", mine.w}, {"b", mine.b}}, cfg);
  // Reference: torch's AdamW with decay only on the matrix, like ours.
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{ref.w},
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(0.05).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.1)));
  groups.emplace_back(std::vector<torch::Tensor>{ref.b},
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(0.05).betas({0.9, 0.95}).eps(1e-8).weight_decay(0.0)));
  torch::optim::AdamW torch_opt(std::move(groups));
  for (int s = 0; s < 20; ++s) {
    opt.zero_grad();
    mine.loss(s).backward();
    opt.step(0.05);
    torch_opt.zero_grad();
    ref.loss(s).backward();
    torch_opt.step();
  }
  EXPECT_TRUE(torch::allclose(mine.w, ref.w, 1e-12, 1e-12)) << (mine.w - ref.w).abs().max();
  EXPECT_TRUE(torch::allclose(mine.b, ref.b, 1e-12, 1e-12)) << (mine.b - ref.b).abs().max();
  EXPECT_EQ(opt.steps(), 20);
}

// The multi-tensor path (what a GPU uses) issues the same elementwise operations as the per-tensor
// loop: on the CPU, where `_foreach` ops run tensor by tensor, the two agree bit for bit. A parameter
// without a gradient is left alone by both, and decay applies to the matrix only.
TEST(AdamW, MultiTensorStepEqualsPerTensorStepBitForBit) {
  Problem a(3), b(3);
  auto frozen_a = torch::randn({5}, torch::kFloat64).requires_grad_(true);
  auto frozen_b = frozen_a.detach().clone().requires_grad_(true);
  AdamWConfig cfg;
  cfg.lr = 0.05;
  cfg.weight_decay = 0.1;
  cfg.loop = TensorLoop::per_tensor;
  AdamW oa({{"w", a.w}, {"frozen", frozen_a}, {"b", a.b}}, cfg);
  cfg.loop = TensorLoop::multi_tensor;
  AdamW ob({{"w", b.w}, {"frozen", frozen_b}, {"b", b.b}}, cfg);
  for (int s = 0; s < 12; ++s) {
    oa.zero_grad();
    a.loss(s).backward();
    oa.step(0.05 * (1.0 + s % 3));
    ob.zero_grad();
    b.loss(s).backward();
    ob.step(0.05 * (1.0 + s % 3));
  }
  EXPECT_TRUE(torch::equal(a.w, b.w)) << (a.w - b.w).abs().max();
  EXPECT_TRUE(torch::equal(a.b, b.b)) << (a.b - b.b).abs().max();
  EXPECT_TRUE(torch::equal(frozen_a, frozen_b));
  const auto sa = oa.state(), sb = ob.state();
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_TRUE(torch::equal(sa[i].second, sb[i].second)) << sa[i].first;
  // automatic: per tensor on the CPU, multi-tensor elsewhere.
  EXPECT_FALSE(use_multi_tensor(TensorLoop::automatic, torch::Device(torch::kCPU)));
  EXPECT_TRUE(use_multi_tensor(TensorLoop::automatic, torch::Device(torch::kCUDA, 0)));
  EXPECT_TRUE(use_multi_tensor(TensorLoop::multi_tensor, torch::Device(torch::kCPU)));
  EXPECT_FALSE(use_multi_tensor(TensorLoop::per_tensor, torch::Device(torch::kCUDA, 0)));
}

TEST(AdamW, StateRoundTripResumesExactly) {
  Problem a(2), b(2);
  AdamWConfig cfg;
  cfg.weight_decay = 0.05;
  AdamW oa({{"w", a.w}, {"b", a.b}}, cfg);
  for (int s = 0; s < 5; ++s) {
    oa.zero_grad();
    a.loss(s).backward();
    oa.step(0.01);
  }
  // b: copy a's weights and optimizer state into a fresh optimizer, then both continue.
  {
    torch::NoGradGuard ng;
    b.w.copy_(a.w);
    b.b.copy_(a.b);
  }
  AdamW ob({{"w", b.w}, {"b", b.b}}, cfg);
  ob.load_state(oa.state(), "test");
  for (int s = 5; s < 10; ++s) {
    oa.zero_grad();
    a.loss(s).backward();
    oa.step(0.01);
    ob.zero_grad();
    b.loss(s).backward();
    ob.step(0.01);
  }
  EXPECT_TRUE(torch::equal(a.w, b.w));
  EXPECT_TRUE(torch::equal(a.b, b.b));
}

TEST(AdamW, LoadStateRejectsMissingAndMisshapenTensors) {
  Problem a(3);
  AdamW opt({{"w", a.w}, {"b", a.b}}, AdamWConfig{});
  auto st = opt.state();
  auto missing = st;
  missing.pop_back();
  try {
    opt.load_state(missing, "ck.h5");
    FAIL() << "expected BadInput";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("adamw.v.b"), std::string::npos) << e.what();
  }
  auto wrong = st;
  wrong[1].second = torch::zeros({2, 2}, torch::kFloat64);
  EXPECT_THROW(opt.load_state(wrong, "ck.h5"), BadInput);
}

TEST(AdamW, RejectsOutOfRangeHyperparameters) {
  Problem a(4);
  AdamWConfig cfg;
  cfg.beta1 = 1.0;
  EXPECT_THROW(AdamW({{"w", a.w}}, cfg), BadInput);
  cfg = AdamWConfig{};
  cfg.eps = 0;
  EXPECT_THROW(AdamW({{"w", a.w}}, cfg), BadInput);
}

TEST(ClipGradNorm, ScalesToMaxNormAndReturnsNormBefore) {
  auto p = torch::zeros({2}, torch::kFloat64).requires_grad_(true);
  auto q = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  p.mutable_grad() = torch::tensor({3.0, 0.0}, torch::kFloat64);
  q.mutable_grad() = torch::tensor({4.0}, torch::kFloat64);
  auto norm = clip_grad_norm({{"p", p}, {"q", q}}, 1.0);
  EXPECT_NEAR(norm.item<double>(), 5.0, 1e-12);
  EXPECT_NEAR(p.grad()[0].item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(q.grad()[0].item<double>(), 0.8, 1e-6);
  // Below the threshold nothing changes.
  clip_grad_norm({{"p", p}, {"q", q}}, 10.0);
  EXPECT_NEAR(q.grad()[0].item<double>(), 0.8, 1e-6);
}

TEST(LrSchedule, WarmupThenCosine) {
  LrSchedule s{1.0, 10, 110, 0.1};
  EXPECT_DOUBLE_EQ(s.at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.at(9), 1.0);
  EXPECT_DOUBLE_EQ(s.at(10), 1.0);
  EXPECT_NEAR(s.at(60), 0.1 + 0.9 * 0.5, 1e-12);  // halfway: cos(pi/2) = 0
  EXPECT_NEAR(s.at(110), 0.1, 1e-12);
  EXPECT_NEAR(s.at(500), 0.1, 1e-12);
  LrSchedule constant{0.5, 0, 0, 0.1};
  EXPECT_DOUBLE_EQ(constant.at(1000), 0.5);
}
