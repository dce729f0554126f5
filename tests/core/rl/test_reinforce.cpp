// The KL-regularized REINFORCE objective and one RL step, against independent references:
// hand-computed rewards, baselines, EMA values and gradients, finite differences of the surrogate,
// per-sample gradients through the model's own log-prob path; and a policy that learns.
#include <gtest/gtest.h>

#include <cmath>

#include <torch/torch.h>

#include "model/gpt.h"
#include "model/token_stats.h"
#include "rl/ema.h"
#include "rl/prompt_order.h"
#include "rl/reinforce.h"
#include "rl/rl_config.h"
#include "rl/rl_step.h"
#include "store/gpt_checkpoint.h"
#include "tiny_gpt.h"
#include "train/adamw.h"
#include "util/error.h"

using namespace warp;

namespace {

GPTConfig tiny_config(int64_t vocab = 11) { return test::tiny_gpt_config(vocab, 16, 1, 8); }

// r = fraction of the completion tokens (mask, EOS excluded) equal to `target`. Reads the tokens.
class PreferToken : public Reward {
 public:
  explicit PreferToken(int64_t target) : target_(target) {}
  std::vector<double> score(const RewardBatch& b) override {
    auto hits = (b.completion_tokens.eq(target_).logical_and(b.completion_mask)).sum(1).to(torch::kDouble);
    auto len = b.completion_mask.sum(1).to(torch::kDouble).clamp_min(1);
    auto r = (hits / len).contiguous();
    return std::vector<double>(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
  }
  using Reward::score;
  std::string name() const override { return "prefer-token"; }

 private:
  int64_t target_;
};

GPT clone(GPT& m) {
  GPT out(m->config());
  torch::NoGradGuard ng;
  auto src = named_params(*m);
  auto dst = named_params(*out);
  for (size_t i = 0; i < src.size(); ++i) dst[i].second.copy_(src[i].second);
  out->to(src.front().second.scalar_type());
  return out;
}

}  // namespace

TEST(Reinforce, KlRegularizedRewardAndBaselinesByHand) {
  auto r = torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kFloat64);
  auto kl = torch::tensor({0.5, -1.0, 2.0, 0.0}, torch::kFloat64);
  auto rb = kl_regularized_reward(r, kl, 0.1);
  const double expect[] = {0.95, 2.1, 2.8, 4.0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(rb[i].item<double>(), expect[i], 1e-15);
  EXPECT_FALSE(rb.requires_grad());
  // beta = 0: the plain reward.
  EXPECT_TRUE(torch::equal(kl_regularized_reward(r, kl, 0.0), r));

  auto mean = reward_baseline(rb, Baseline::Mean, 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(mean[i].item<double>(), 9.85 / 4, 1e-15);
  // rloo over groups of 2 (two completions per prompt): the other completion's r_β.
  auto g2 = reward_baseline(rb, Baseline::Rloo, 2);
  const double e2[] = {2.1, 0.95, 4.0, 2.8};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(g2[i].item<double>(), e2[i], 1e-15);
  // rloo with one completion per prompt: leave one out of the whole batch.
  auto g1 = reward_baseline(rb, Baseline::Rloo, 1);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(g1[i].item<double>(), (9.85 - expect[i]) / 3, 1e-14);
  EXPECT_THROW(reward_baseline(rb, Baseline::Rloo, 3), BadInput);
  EXPECT_THROW(reward_baseline(torch::ones({1}, torch::kFloat64), Baseline::Rloo, 1), BadInput);
  EXPECT_EQ(parse_baseline("rloo"), Baseline::Rloo);
  EXPECT_THROW(parse_baseline("median"), BadInput);
}

TEST(Reinforce, SequenceKlUsesTheMaskOnly) {
  // log π_θ and log π_anchor of 2 completions x 3 slots; the second one ended after 2 tokens.
  auto lp = torch::tensor({{-1.0, -2.0, -0.5}, {-0.1, -0.2, -9.0}}, torch::kFloat64);
  auto la = torch::tensor({{-1.5, -1.0, -0.25}, {-0.3, -0.2, -1.0}}, torch::kFloat64);
  auto mask = torch::tensor({{true, true, true}, {true, true, false}});
  auto kl = masked_row_sum(lp - la, mask);
  EXPECT_NEAR(kl[0].item<double>(), 0.5 - 1.0 - 0.25, 1e-15);
  EXPECT_NEAR(kl[1].item<double>(), 0.2 + 0.0, 1e-15);
  auto rb = kl_regularized_reward(torch::tensor({1.0, 0.0}, torch::kFloat64), kl, 0.5);
  EXPECT_NEAR(rb[0].item<double>(), 1.0 - 0.5 * (-0.75), 1e-15);
  EXPECT_NEAR(rb[1].item<double>(), -0.1, 1e-15);
}

TEST(Reinforce, GradientOfTheSurrogateByHand) {
  // logp = log softmax(z / τ) with z a leaf [N, K, V]: the gradient of
  // loss = −(1/N) Σ_n A_n Σ_k m_nk log p_nk(y_nk) is
  // ∂loss/∂z_nkv = −(A_n / N) m_nk (1[v = y_nk] − p_nk(v)) / τ.
  torch::manual_seed(0);
  const int64_t N = 3, K = 4, V = 5;
  const double tau = 0.8;
  auto z = torch::randn({N, K, V}, torch::kFloat64).requires_grad_(true);
  auto y = torch::randint(V, {N, K}, torch::kLong);
  auto mask = torch::tensor({{true, true, true, true}, {true, true, false, false}, {true, false, false, false}});
  auto A = torch::tensor({0.7, -1.2, 0.3}, torch::kFloat64);
  auto logp = gather_token_log_probs(torch::log_softmax(z / tau, -1), y);
  auto loss = reinforce_loss(A, logp, mask);
  loss.backward();
  auto p = torch::softmax(z.detach() / tau, -1);
  auto onehot = torch::one_hot(y, V).to(torch::kFloat64);
  auto expect = -(A.view({N, 1, 1}) / N) * mask.to(torch::kFloat64).unsqueeze(2) * (onehot - p) / tau;
  EXPECT_TRUE(torch::allclose(z.grad(), expect, 1e-12, 1e-14));
  // The advantage carries no gradient even when given one.
  auto A2 = A.clone().requires_grad_(true);
  auto l2 = reinforce_loss(A2, gather_token_log_probs(torch::log_softmax(z / tau, -1), y), mask);
  l2.backward();
  EXPECT_FALSE(A2.grad().defined());
}

TEST(Reinforce, PolicyGradientMatchesFiniteDifferencesAndPerSampleGradients) {
  // A tiny GPT in float64 and fixed samples (prompts, completions, masks, advantages).
  GPT model(tiny_config(), 5);
  model->to(torch::kFloat64);
  model->eval();
  const double tau = 0.9;
  auto prompt = torch::tensor({{0, 3, 4}, {5, 6, 7}, {0, 0, 8}}, torch::kLong);
  auto pmask = torch::tensor({{false, true, true}, {true, true, true}, {false, false, true}});
  auto comp = torch::tensor({{1, 2, 9, 10}, {3, 3, 4, 0}, {10, 9, 8, 7}}, torch::kLong);
  auto mask = torch::tensor({{true, true, true, false}, {true, true, true, true}, {true, false, false, false}});
  auto A = torch::tensor({1.3, -0.4, 2.2}, torch::kFloat64);
  auto surrogate = [&]() {
    auto logp = gather_token_log_probs(completion_log_softmax(model, prompt, pmask, comp, tau), comp);
    return reinforce_loss(A, logp, mask);
  };
  auto params = named_params(*model);
  for (auto& [n, p] : params) p.mutable_grad() = torch::Tensor();
  surrogate().backward();
  std::map<std::string, torch::Tensor> grad;
  for (auto& [n, p] : params) grad[n] = p.grad().clone();

  // (a) Central finite differences of the surrogate on a few coordinates of several tensors.
  const double h = 1e-6;
  int checked = 0;
  for (const std::string name : {"wte.weight", "h.0.attn.c_attn.weight", "h.0.mlp.c_fc.bias", "ln_f.weight",
                                 "wpe.weight", "h.0.attn.c_proj.weight"}) {
    torch::Tensor p;
    for (auto& [n, t] : params)
      if (n == name) p = t;
    ASSERT_TRUE(p.defined()) << name;
    auto flat = p.detach().view({-1});
    for (int64_t idx : {int64_t(0), flat.numel() / 3, flat.numel() - 1}) {
      torch::NoGradGuard ng;
      const double orig = flat[idx].item<double>();
      flat[idx] = orig + h;
      const double up = surrogate().item<double>();
      flat[idx] = orig - h;
      const double down = surrogate().item<double>();
      flat[idx] = orig;
      const double fd = (up - down) / (2 * h);
      const double ad = grad[name].view({-1})[idx].item<double>();
      EXPECT_NEAR(ad, fd, 1e-7 + 1e-5 * std::abs(fd)) << name << "[" << idx << "]";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18);

  // (b) Per sample, through the model's own completion_log_probs (logsumexp path), unbatched:
  // ∇loss = −(1/N) Σ_n A_n ∇ Σ_k m_nk log π(y_nk).
  std::map<std::string, torch::Tensor> acc;
  for (auto& [n, p] : params) acc[n] = torch::zeros_like(p);
  for (int64_t b = 0; b < 3; ++b) {
    std::vector<int64_t> ids;
    for (int64_t i = 0; i < 3; ++i)
      if (pmask[b][i].item<bool>()) ids.push_back(prompt[b][i].item<int64_t>());
    auto pr = torch::tensor(ids, torch::kLong).unsqueeze(0);
    auto pm = torch::ones_like(pr, torch::kBool);
    for (auto& [n, p] : params) p.mutable_grad() = torch::Tensor();
    auto lp = completion_log_probs(model, pr, pm, comp.narrow(0, b, 1), tau);  // [1, K]
    auto seq = (lp * mask.narrow(0, b, 1).to(torch::kFloat64)).sum();
    seq.backward();
    for (auto& [n, p] : params) acc[n] += -A[b].item<double>() / 3.0 * p.grad();
  }
  for (auto& [n, p] : params) EXPECT_TRUE(torch::allclose(grad[n], acc[n], 1e-9, 1e-11)) << n;
}

TEST(Ema, UpdateMatchesHandComputation) {
  auto e = torch::tensor({1.0, 2.0}, torch::kFloat64);
  auto p = torch::tensor({3.0, -2.0}, torch::kFloat64);
  NamedTensors ema{{"w", e}}, params{{"w", p}};
  ema_update(ema, params, 0.25);
  EXPECT_EQ(e[0].item<double>(), 1.5);  // 0.75·1 + 0.25·3
  EXPECT_EQ(e[1].item<double>(), 1.0);  // 0.75·2 + 0.25·(−2)
  // k more steps towards a fixed θ: θ + (1 − μ)^k (θ_ema − θ).
  for (int k = 0; k < 10; ++k) ema_update(ema, params, 0.25);
  EXPECT_NEAR(e[0].item<double>(), 3.0 + std::pow(0.75, 10) * (1.5 - 3.0), 1e-14);
  EXPECT_NEAR(e[1].item<double>(), -2.0 + std::pow(0.75, 10) * (1.0 + 2.0), 1e-14);
  // mu = 1 copies θ; float32 tensors follow the same formula.
  auto f = torch::tensor({0.5f, -4.0f});
  NamedTensors fe{{"w", f}}, fp{{"w", torch::tensor({0.25f, 8.0f})}};
  ema_update(fe, fp, 0.01);
  EXPECT_FLOAT_EQ(f[0].item<float>(), 0.99f * 0.5f + 0.01f * 0.25f);
  EXPECT_FLOAT_EQ(f[1].item<float>(), 0.99f * -4.0f + 0.01f * 8.0f);
  ema_update(fe, fp, 1.0);
  EXPECT_TRUE(torch::equal(f, fp[0].second));
  EXPECT_THROW(ema_update(fe, fp, 0.0), BadInput);
  EXPECT_THROW(ema_update(fe, NamedTensors{{"v", torch::zeros({2})}}, 0.5), BadInput);
}

// The multi-tensor EMA (a GPU's path) is the same arithmetic as the per-tensor loop: bit for bit on
// the CPU. A mismatch anywhere is refused before any anchor tensor moves.
TEST(Ema, MultiTensorUpdateEqualsPerTensorBitForBitAndNothingMovesOnAMismatch) {
  torch::manual_seed(5);
  NamedTensors ea, eb, params;
  for (const auto& [name, shape] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"wte", {7, 3}}, {"ln.bias", {3}}, {"h.0.w", {3, 4}}}) {
    auto e = torch::randn(shape);
    ea.emplace_back(name, e.clone());
    eb.emplace_back(name, e.clone());
    params.emplace_back(name, torch::randn(shape));
  }
  for (int k = 0; k < 5; ++k) {
    ema_update(ea, params, 0.01, TensorLoop::per_tensor);
    ema_update(eb, params, 0.01, TensorLoop::multi_tensor);
  }
  for (size_t i = 0; i < ea.size(); ++i) EXPECT_TRUE(torch::equal(ea[i].second, eb[i].second)) << ea[i].first;
  auto before = eb[0].second.clone();
  NamedTensors wrong = params;
  wrong[2].second = torch::zeros({4, 3});
  EXPECT_THROW(ema_update(eb, wrong, 0.5, TensorLoop::multi_tensor), BadInput);
  EXPECT_TRUE(torch::equal(eb[0].second, before));
}

TEST(RlConfig, RefusesOutOfRangeValuesNamingTheOption) {
  auto expect_bad = [](const nlohmann::json& j, const std::string& flag) {
    try {
      RlConfig::from_json(j, "test");
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(flag), std::string::npos) << e.what();
    }
  };
  expect_bad({{"beta", -0.1}}, "--beta");
  expect_bad({{"mu", 0.0}}, "--mu");
  expect_bad({{"mu", 1.5}}, "--mu");
  expect_bad({{"steps", 0}}, "--steps");
  expect_bad({{"batch", 0}}, "--batch");
  expect_bad({{"temperature", 0.0}}, "--temperature");
  expect_bad({{"temperature", -1.0}}, "--temperature");
  expect_bad({{"lr", 0.0}}, "--lr");
  expect_bad({{"warmup", -1}}, "--warmup");
  expect_bad({{"max_new_tokens", 0}}, "--max-new-tokens");
  expect_bad({{"anchor", "sft-init"}}, "--anchor");
  expect_bad({{"anchor", "EMA"}}, "'EMA'");
  expect_bad({{"baseline", "median"}}, "--baseline");
  expect_bad({{"baseline", "rloo"}, {"batch", 1}}, "--batch");
  expect_bad({{"samples_per_prompt", 0}}, "--samples");
  expect_bad({{"eval_every", 0}}, "--eval-every");
  expect_bad({{"ckpt_every", 0}}, "--ckpt-every");
  expect_bad({{"grad_clip", -1.0}}, "--grad-clip");
  expect_bad({{"betta", 0.1}}, "betta");
  const RlConfig d;
  EXPECT_EQ(d.beta, 0.1);
  EXPECT_EQ(d.mu, 0.01);
  EXPECT_EQ(d.temperature, 0.9);
  auto back = RlConfig::from_json(d.to_json(), "roundtrip");
  EXPECT_EQ(back.to_json(), d.to_json());
  EXPECT_EQ(RlConfig::from_json({{"mu", 1.0}}, "t").mu, 1.0);
}

TEST(PromptOrder, EachEpochIsAPermutationDecidedBySeedAndEpoch) {
  PromptOrder a(10, 1), b(10, 1), c(10, 2);
  std::vector<int64_t> sa, sb, sc;
  for (int64_t p = 0; p < 30; ++p) {
    sa.push_back(a.at(p));
    sc.push_back(c.at(p));
  }
  for (int64_t p = 29; p >= 0; --p) sb.insert(sb.begin(), b.at(p));  // visited backwards: same values
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
  for (int e = 0; e < 3; ++e) {
    std::vector<int64_t> ep(sa.begin() + e * 10, sa.begin() + e * 10 + 10);
    EXPECT_EQ(ep, a.epoch(e));
    std::sort(ep.begin(), ep.end());
    for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(ep[static_cast<size_t>(i)], i);
  }
  EXPECT_NE(a.epoch(0), a.epoch(1));
  EXPECT_THROW(PromptOrder(0, 1), BadInput);
}

TEST(RlStep, WithBetaZeroThePolicyLearnsToEmitTheRewardedToken) {
  torch::manual_seed(0);
  GPT policy(tiny_config(12), 3);
  GPT anchor = clone(policy);
  GPT sft = clone(policy);
  AdamW opt(named_params(*policy), AdamWConfig{3e-2, 0.9, 0.999, 1e-8, 0.0});
  PreferToken reward(7);
  RlStepOptions o;
  o.beta = 0.0;
  o.temperature = 1.0;
  o.max_new_tokens = 6;
  o.grad_clip = 1.0;
  RlStep step(policy, anchor, sft, opt, reward, nullptr, nullptr, o, torch::kCPU);
  const std::vector<std::vector<int64_t>> prompts{{1, 2}, {3}, {4, 5, 6}, {8}};
  std::vector<double> rewards;
  for (int s = 0; s < 60; ++s) {
    std::vector<uint64_t> seeds;
    for (int n = 0; n < 16; ++n) seeds.push_back(1000 * s + n);
    std::vector<std::vector<int64_t>> batch;
    for (int n = 0; n < 16; ++n) batch.push_back(prompts[n % 4]);
    auto st = step.run(batch, {}, seeds, 3e-2, 0.01);
    ASSERT_TRUE(st.finite && st.weights_finite);
    EXPECT_EQ(st.length, 6.0);  // no EOS: every completion runs to max_new_tokens
    rewards.push_back(st.reward);
  }
  // From about 1/12 of the tokens to most of them.
  EXPECT_LT(rewards.front(), 0.3);
  const double last = (rewards[57] + rewards[58] + rewards[59]) / 3;
  EXPECT_GT(last, 0.8) << "first " << rewards.front() << " last " << last;
  // The EMA anchor followed the policy, lagging behind it; the SFT model did not move.
  GPT fresh(tiny_config(12), 3);
  auto pa = named_params(*anchor), ps = named_params(*sft), pf = named_params(*fresh), pp = named_params(*policy);
  double anchor_moved = 0, anchor_lag = 0;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(ps[i].second, pf[i].second)) << ps[i].first;
    anchor_moved += (pa[i].second - pf[i].second).norm().item<double>();
    anchor_lag += (pa[i].second - pp[i].second).norm().item<double>();
  }
  EXPECT_GT(anchor_moved, 0.0);
  EXPECT_GT(anchor_lag, 0.0);
}

TEST(RlStep, StaticAnchorStaysBitIdenticalAndKlToItStartsAtZero) {
  GPT policy(tiny_config(), 4);
  GPT anchor = clone(policy);
  GPT sft = clone(policy);
  GPT reference = clone(policy);
  AdamW opt(named_params(*policy), AdamWConfig{1e-2, 0.9, 0.999, 1e-8, 0.0});
  PreferToken reward(2);
  RlStepOptions o;
  o.beta = 0.5;
  o.max_new_tokens = 5;
  o.eos_id = 10;
  RlStep step(policy, anchor, sft, opt, reward, nullptr, nullptr, o, torch::kCPU);
  const std::vector<std::vector<int64_t>> prompts{{1}, {2, 3}, {4}, {5, 6}};
  for (int s = 0; s < 8; ++s) {
    std::vector<uint64_t> seeds{uint64_t(s), uint64_t(s + 100), uint64_t(s + 200), uint64_t(s + 300)};
    auto st = step.run(prompts, {"a", "b", "c", "d"}, seeds, 1e-2, /*mu=*/0.0);
    if (s == 0) {
      // Policy = anchor = SFT before the first update: the sampled log-ratios are exactly 0.
      EXPECT_EQ(st.kl_anchor, 0.0);
      EXPECT_EQ(st.kl_sft, 0.0);
      EXPECT_EQ(st.reward_beta, st.reward);
    } else {
      EXPECT_EQ(st.kl_anchor, st.kl_sft);  // anchor and SFT are the same weights
    }
    EXPECT_LE(st.length, 5.0);
  }
  auto pa = named_params(*anchor), pr = named_params(*reference), pp = named_params(*policy);
  bool policy_moved = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::equal(pa[i].second, pr[i].second)) << pa[i].first;
    policy_moved |= !torch::equal(pp[i].second, pr[i].second);
  }
  EXPECT_TRUE(policy_moved);
}

TEST(RlStep, GroupsOfSamplesPerPromptAndNonFiniteRewards) {
  GPT policy(tiny_config(), 6);
  GPT anchor = clone(policy);
  AdamW opt(named_params(*policy), AdamWConfig{1e-2, 0.9, 0.999, 1e-8, 0.0});
  class NanReward : public Reward {
   public:
    std::vector<double> score(const RewardBatch& b) override { return std::vector<double>(b.size(), std::nan("")); }
    using Reward::score;
    std::string name() const override { return "nan"; }
  } nan_reward;
  RlStepOptions o;
  o.max_new_tokens = 3;
  o.samples_per_prompt = 2;
  o.baseline = Baseline::Rloo;
  RlStep step(policy, anchor, anchor, opt, nan_reward, nullptr, nullptr, o, torch::kCPU);
  GPT before = clone(policy);
  EXPECT_THROW(step.run({{1}, {2}}, {}, {1, 2, 3}, 1e-2, 0.01), BadInput);  // 4 rows need 4 seeds
  auto st = step.run({{1}, {2}}, {}, {1, 2, 3, 4}, 1e-2, 0.01);
  EXPECT_FALSE(st.finite);
  // No update was applied.
  auto pb = named_params(*before), pp = named_params(*policy);
  for (size_t i = 0; i < pb.size(); ++i) EXPECT_TRUE(torch::equal(pb[i].second, pp[i].second));
}
