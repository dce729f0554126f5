// The Bradley-Terry reward model: the loss and its gradient against hand-computed values and finite
// differences, the head reading the last real token whatever the padding, checkpoints (round trip
// and refused files), and a tiny model learning a synthetic preference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <torch/torch.h>

#include "reward/reward_model.h"
#include "store/checkpoint_h5.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "train/adamw.h"
#include "util/error.h"

using namespace warp;

namespace {

GPTConfig tiny_config() { return test::tiny_gpt_config(32, 24); }

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "(no BadInput thrown)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

// ---- loss ------------------------------------------------------------------------------------------

TEST(BradleyTerry, LossAndGradientMatchHandComputedValues) {
  // Δ = r_w − r_l = [1, 0, −2]:  −log σ(1) = 0.31326168751822286, −log σ(0) = log 2,
  // −log σ(−2) = 2.1269280110429727; mean 1.0444456263737136.
  auto rw = torch::tensor({1.0, 0.0, -0.5}, torch::dtype(torch::kDouble).requires_grad(true));
  auto rl = torch::tensor({0.0, 0.0, 1.5}, torch::dtype(torch::kDouble).requires_grad(true));
  auto loss = bradley_terry_loss(rw, rl);
  EXPECT_NEAR(loss.item<double>(), 1.0444456263737136, 1e-14);
  loss.backward();
  // dL/dr_w = −(1 − σ(Δ)) / N, dL/dr_l = +(1 − σ(Δ)) / N.
  const double want[] = {-0.08964714045666504, -0.16666666666666666, -0.2935990259926275};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(rw.grad()[i].item<double>(), want[i], 1e-14) << i;
    EXPECT_NEAR(rl.grad()[i].item<double>(), -want[i], 1e-14) << i;
  }
}

TEST(BradleyTerry, StableForLargeMargins) {
  auto rw = torch::tensor({200.0, -200.0}, torch::kDouble);
  auto rl = torch::tensor({0.0, 0.0}, torch::kDouble);
  // softplus(−200) ≈ e^−200, softplus(200) = 200 (+ e^−200): mean 100, finite.
  EXPECT_NEAR(bradley_terry_loss(rw, rl).item<double>(), 100.0, 1e-9);
  EXPECT_THROW(bradley_terry_loss(torch::zeros({2}), torch::zeros({3})), BadInput);
  EXPECT_THROW(bradley_terry_loss(torch::zeros({0}), torch::zeros({0})), BadInput);
}

TEST(BradleyTerry, HeadGradientMatchesFiniteDifferences) {
  torch::manual_seed(3);
  RewardModel rm(tiny_config(), 5);
  rm->to(torch::kDouble);
  rm->eval();
  auto idx = torch::randint(0, 32, {6, 7}, torch::kLong);
  auto mask = torch::ones({6, 7}, torch::kBool);
  mask.index_put_({0, torch::indexing::Slice(0, 3)}, false);  // left padding
  mask.index_put_({3, torch::indexing::Slice(5, 7)}, false);  // right padding
  auto loss_of = [&] {
    auto r = rm->forward(idx, mask).view({3, 2});
    return bradley_terry_loss(r.select(1, 0), r.select(1, 1));
  };
  rm->zero_grad();
  loss_of().backward();
  auto grad_w = rm->head->weight.grad().clone();
  auto grad_b = rm->head->bias.grad().clone();
  auto& w = rm->trunk->h[0]->as<BlockImpl>()->mlp->c_fc->weight;  // a trunk weight: the loss reaches through h
  auto grad_trunk = w.grad().clone();
  torch::NoGradGuard ng;
  const double eps = 1e-6;
  auto fd = [&](torch::Tensor p, int64_t i) {
    auto flat = p.view({-1});
    const double keep = flat[i].item<double>();
    flat[i] = keep + eps;
    const double up = loss_of().item<double>();
    flat[i] = keep - eps;
    const double down = loss_of().item<double>();
    flat[i] = keep;
    return (up - down) / (2 * eps);
  };
  for (int64_t i = 0; i < 16; ++i)
    EXPECT_NEAR(grad_w.view({-1})[i].item<double>(), fd(rm->head->weight, i), 1e-8) << "head.weight " << i;
  // The bias shifts r_w and r_l alike: BT is shift-invariant, so its gradient is exactly 0.
  EXPECT_NEAR(grad_b.item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(fd(rm->head->bias, 0), 0.0, 1e-8);
  for (int64_t i : {0, 17, 100})
    EXPECT_NEAR(grad_trunk.view({-1})[i].item<double>(), fd(w, i), 1e-7) << "c_fc.weight " << i;
}

// ---- last real token ----------------------------------------------------------------------------

TEST(RewardModel, LastRealIndex) {
  auto m = torch::tensor({0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0}, torch::kLong).view({3, 4}).to(torch::kBool);
  auto li = last_real_index(m);
  EXPECT_EQ(li[0].item<int64_t>(), 3);
  EXPECT_EQ(li[1].item<int64_t>(), 2);
  EXPECT_EQ(li[2].item<int64_t>(), 1);
}

TEST(RewardModel, PaddingDoesNotChangeTheReward) {
  torch::manual_seed(7);
  RewardModel rm(tiny_config(), 11);
  rm->eval();
  torch::NoGradGuard ng;
  const std::vector<std::vector<int64_t>> rows = {{3, 9, 4}, {5, 6, 7, 8, 9, 10, 11}, {1}, {30, 2, 2, 17, 4}};
  std::vector<double> alone;
  for (const auto& r : rows) {
    auto idx = torch::tensor(r, torch::kLong).view({1, -1});
    alone.push_back(rm->forward(idx, torch::ones_like(idx, torch::kBool)).item<double>());
  }
  // Left, right, and both-sided padding with junk ids in the padding slots.
  const int64_t T = 10;
  for (int mode = 0; mode < 3; ++mode) {
    auto idx = torch::randint(0, 32, {4, T}, torch::kLong);
    auto mask = torch::zeros({4, T}, torch::kBool);
    for (int64_t b = 0; b < 4; ++b) {
      const auto& r = rows[static_cast<size_t>(b)];
      const int64_t n = static_cast<int64_t>(r.size());
      const int64_t start = mode == 0 ? T - n : mode == 1 ? 0 : (T - n) / 2;
      for (int64_t t = 0; t < n; ++t) {
        idx[b][start + t] = r[static_cast<size_t>(t)];
        mask[b][start + t] = true;
      }
    }
    auto r = rm->forward(idx, mask);
    for (int64_t b = 0; b < 4; ++b)
      EXPECT_NEAR(r[b].item<double>(), alone[static_cast<size_t>(b)], 1e-5) << mode << "/" << b;
  }
  // The reward does depend on the last real token (the head reads it), not on what follows it.
  auto idx = torch::tensor({3, 9, 4, 0, 0}, torch::kLong).view({1, 5});
  auto mask = torch::tensor({1, 1, 1, 0, 0}, torch::kLong).view({1, 5}).to(torch::kBool);
  const double base = rm->forward(idx, mask).item<double>();
  idx[0][4] = 25;
  EXPECT_NEAR(rm->forward(idx, mask).item<double>(), base, 1e-6);
  idx[0][2] = 5;
  EXPECT_GT(std::abs(rm->forward(idx, mask).item<double>() - base), 1e-6);
  // A row with no real token is refused.
  EXPECT_THROW(rm->forward(idx, torch::zeros({1, 5}, torch::kBool)), BadInput);
}

TEST(RewardModel, ScoreLeavesOutEosAndPadding) {
  torch::manual_seed(8);
  RewardModel rm(tiny_config(), 12);
  rm->eval();
  torch::NoGradGuard ng;
  const int64_t eos = 31;
  // Row 0: prompt [2, 3] (left-padded), completion [4, 5, EOS, EOS]; row 1: prompt [6, 7, 8], completion [9].
  auto prompt = torch::tensor({0, 2, 3, 6, 7, 8}, torch::kLong).view({2, 3});
  auto pmask = torch::tensor({0, 1, 1, 1, 1, 1}, torch::kLong).view({2, 3}).to(torch::kBool);
  auto comp = torch::tensor(std::vector<int64_t>{4, 5, eos, eos, 9, eos, eos, eos}, torch::kLong).view({2, 4});
  auto cmask = torch::tensor({1, 1, 1, 0, 1, 1, 0, 0}, torch::kLong).view({2, 4}).to(torch::kBool);
  auto r = rm->score(prompt, pmask, comp, cmask, eos);
  auto one = [&](std::vector<int64_t> ids) {
    auto t = torch::tensor(ids, torch::kLong).view({1, -1});
    return rm->forward(t, torch::ones_like(t, torch::kBool)).item<double>();
  };
  EXPECT_NEAR(r[0].item<double>(), one({2, 3, 4, 5}), 1e-5);
  EXPECT_NEAR(r[1].item<double>(), one({6, 7, 8, 9}), 1e-5);
}

// ---- checkpoints ----------------------------------------------------------------------------------

TEST(RewardModel, CheckpointRoundTrip) {
  const auto dir = test::scratch_dir("rm-ckpt");
  RewardModel rm(tiny_config(), 21);
  {
    torch::NoGradGuard ng;
    rm->head->bias.fill_(0.25);
  }
  RewardModelInfo info;
  info.eos_id = 31;
  info.tokenizer_sha256 = std::string(64, 'a');
  CheckpointHeader header;
  header.config = {{"rm", {{"steps", 3}}}};
  header.step = 3;
  save_reward_model(dir + "/rm.h5", rm, info, header);
  auto ck = load_reward_model(dir + "/rm.h5");
  EXPECT_EQ(ck.header.kind, "reward_model");
  EXPECT_EQ(ck.header.step, 3);
  EXPECT_EQ(ck.header.config.at("rm").at("steps"), 3);
  EXPECT_TRUE(ck.config == tiny_config());
  EXPECT_EQ(ck.info.eos_id, 31);
  EXPECT_EQ(ck.info.tokenizer_sha256, info.tokenizer_sha256);
  auto a = rm->checkpoint_params(), b = ck.model->checkpoint_params();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first;
  }
  EXPECT_EQ(a.size(), gpt_param_specs(tiny_config()).size() + 2);
  EXPECT_EQ(a[a.size() - 2].first, "head.weight");
  // The stored tensors are exactly the GPT names plus the head (what RL and exports expect).
  CheckpointReader reader(dir + "/rm.h5");
  EXPECT_NE(reader.find("wte.weight"), nullptr);
  EXPECT_NE(reader.find("head.bias"), nullptr);
  EXPECT_EQ(reader.find("trunk.wte.weight"), nullptr);
}

TEST(RewardModel, RefusesBadCheckpointsWithClearMessages) {
  const auto dir = test::scratch_dir("rm-bad");
  const GPTConfig cfg = tiny_config();
  RewardModel rm(cfg, 1);
  RewardModelInfo info;
  info.eos_id = 31;
  auto write = [&](const std::string& name, NamedTensors params, const std::string& kind, bool with_info) {
    CheckpointData d;
    d.header.kind = kind;
    d.header.config = {{"model", cfg.to_json()}};
    if (with_info) d.header.config["reward_model"] = info.to_json();
    d.params = std::move(params);
    save_checkpoint(dir + "/" + name, d);
    return dir + "/" + name;
  };
  auto without = [&](const std::string& drop) {
    NamedTensors out;
    for (auto& [n, t] : rm->checkpoint_params())
      if (n != drop) out.emplace_back(n, t);
    return out;
  };
  auto replaced = [&](const std::string& name, torch::Tensor t) {
    NamedTensors out;
    for (auto& [n, v] : rm->checkpoint_params()) out.emplace_back(n, n == name ? t : v);
    return out;
  };

  std::string m =
      message_of([&] { load_reward_model(write("nohead.h5", without("head.weight"), "reward_model", true)); });
  EXPECT_TRUE(contains(m, "nohead.h5") && contains(m, "'head.weight'") && contains(m, "missing")) << m;

  m = message_of([&] { load_reward_model(write("nobias.h5", without("head.bias"), "reward_model", true)); });
  EXPECT_TRUE(contains(m, "'head.bias'") && contains(m, "missing")) << m;

  m = message_of([&] {
    load_reward_model(write("shape.h5", replaced("head.weight", torch::zeros({2, 16})), "reward_model", true));
  });
  EXPECT_TRUE(contains(m, "'head.weight'") && contains(m, "[2,16]") && contains(m, "[1,16]")) << m;

  m = message_of([&] {
    load_reward_model(write("trunk.h5", replaced("h.1.ln_2.bias", torch::zeros({15})), "reward_model", true));
  });
  EXPECT_TRUE(contains(m, "'h.1.ln_2.bias'") && contains(m, "[15]")) << m;

  m = message_of([&] {
    load_reward_model(
        write("dtype.h5", replaced("head.bias", torch::zeros({1}, torch::kDouble)), "reward_model", true));
  });
  EXPECT_TRUE(contains(m, "'head.bias'") && contains(m, "float64")) << m;

  m = message_of([&] {
    load_reward_model(
        write("nan.h5", replaced("head.weight", torch::full({1, 16}, std::nan(""))), "reward_model", true));
  });
  EXPECT_TRUE(contains(m, "'head.weight'") && contains(m, "non-finite")) << m;

  m = message_of([&] { load_reward_model(write("kind.h5", rm->checkpoint_params(), "sft", true)); });
  EXPECT_TRUE(contains(m, "'sft'") && contains(m, "reward_model")) << m;

  m = message_of([&] { load_reward_model(write("noinfo.h5", rm->checkpoint_params(), "reward_model", false)); });
  EXPECT_TRUE(contains(m, "reward_model")) << m;

  NamedTensors extra = rm->checkpoint_params();
  extra.emplace_back("value_head.weight", torch::zeros({1, 16}));
  m = message_of([&] { load_reward_model(write("extra.h5", extra, "reward_model", true)); });
  EXPECT_TRUE(contains(m, "value_head.weight")) << m;

  EXPECT_THROW(load_reward_model(dir + "/absent.h5"), BadInput);
}

// ---- learning -----------------------------------------------------------------------------------

TEST(RewardModel, LearnsASyntheticPreference) {
  // Sequences of random ids 2..31; the preferred one of a pair holds token 1 somewhere, the other
  // does not. A tiny model trained with BT ranks held-out pairs correctly.
  torch::manual_seed(0);
  GPTConfig cfg = tiny_config();
  cfg.n_layer = 1;
  RewardModel rm(cfg, 3);
  rm->train();
  std::mt19937_64 rng(42);
  auto make_pair = [&](torch::Tensor& idx, torch::Tensor& mask, int64_t row) {
    // rows 2·row (preferred) and 2·row + 1, left-padded to 10
    for (int k = 0; k < 2; ++k) {
      const int64_t n = 4 + static_cast<int64_t>(rng() % 7);
      const int64_t r = 2 * row + k;
      for (int64_t t = 0; t < n; ++t) {
        idx[r][10 - n + t] = 2 + static_cast<int64_t>(rng() % 30);
        mask[r][10 - n + t] = true;
      }
      if (k == 0) idx[r][10 - n + static_cast<int64_t>(rng() % n)] = 1;
    }
  };
  auto batch = [&](int64_t pairs) {
    auto idx = torch::zeros({2 * pairs, 10}, torch::kLong);
    auto mask = torch::zeros({2 * pairs, 10}, torch::kBool);
    for (int64_t p = 0; p < pairs; ++p) make_pair(idx, mask, p);
    return std::make_pair(idx, mask);
  };
  NamedTensors params = rm->checkpoint_params();
  AdamW opt(params, AdamWConfig{1e-2, 0.9, 0.95, 1e-8, 0.0});
  for (int step = 0; step < 80; ++step) {
    auto [idx, mask] = batch(16);
    auto r = rm->forward(idx, mask).view({16, 2});
    auto loss = bradley_terry_loss(r.select(1, 0), r.select(1, 1));
    opt.zero_grad();
    loss.backward();
    opt.step(1e-2);
  }
  rm->eval();
  torch::NoGradGuard ng;
  auto [idx, mask] = batch(200);
  auto r = rm->forward(idx, mask).view({200, 2});
  const double acc = (r.select(1, 0) > r.select(1, 1)).to(torch::kDouble).mean().item<double>();
  EXPECT_GT(acc, 0.9) << "held-out pair accuracy " << acc;
}
