// The engine on a GPU, checked against the same computation on the CPU (an independent kernel
// library on other hardware) and against Hugging Face transformers' GPT2LMHeadModel:
//   forward logits and every gradient of the GPT; seeded KV-cache sampling (tokens and
//   log-probabilities); one EMA-anchored RL step (loss, KL, gradient norm, the updated weights);
//   the merge of tensors that live on the device; a checkpoint written from device tensors;
//   a model exported to a Hugging Face GPT-2 folder, loaded by GPT2LMHeadModel.
//
// Usage: test_gpu [gtest flags] [--device cuda|cuda:N|cpu]   (CTest passes --device cuda)
// Where CUDA is absent every test is skipped with the reason and the program exits 77, which CTest
// reports as skipped, not passed; scripts/gpu-check.sh runs them on a machine with an NVIDIA GPU. `--device cpu` runs
// the same comparisons CPU against CPU, which checks the tests themselves.
//
// Environment: WARP_TEST_PYTHON (default python3): the Python that imports transformers;
// WARP_GPU_CHECK_CHECKPOINT: a policy checkpoint (.h5) to check against transformers as well, exported
// with `warp export` (WARP_EXE), e.g. the SFT policy scripts/gpu-check.sh trains on the GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "merge/merger.h"
#include "model/device.h"
#include "model/gpt.h"
#include "model/sampler.h"
#include "reward/reward.h"
#include "rl/ema.h"
#include "rl/rl_step.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "store/hf_gpt2.h"
#include "test_env.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "train/adamw.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

std::string g_device_spec = "cuda";

// The device under test, or the reason there is none (then the test is skipped).
std::optional<torch::Device> device_or_reason(std::string* reason) {
  if (g_device_spec.rfind("cuda", 0) == 0 && !torch::cuda::is_available()) {
    *reason = "no CUDA device (torch::cuda::is_available() is false in this build or on this machine): '" +
              g_device_spec + "' not tested; run scripts/gpu-check.sh on a machine with an NVIDIA GPU";
    return std::nullopt;
  }
  return parse_device(g_device_spec);
}

#define WARP_DEVICE_OR_SKIP(dev)                          \
  std::string skip_reason_;                               \
  const auto dev##_opt = device_or_reason(&skip_reason_); \
  if (!dev##_opt) GTEST_SKIP() << skip_reason_;           \
  const torch::Device dev = *dev##_opt

const torch::Device kCpu(torch::kCPU);

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(kCpu, torch::kFloat64) - b.to(kCpu, torch::kFloat64)).abs().max().item<double>();
}

// A GPT with non-trivial LayerNorm and bias parameters too (GPT-2's init leaves them at 1 and 0),
// so a mix-up of any tensor shows.
GPT perturbed_gpt(const GPTConfig& cfg, uint64_t seed, double std) {
  GPT m(cfg, seed);
  torch::NoGradGuard ng;
  auto gen = at::detail::createCPUGenerator(seed + 17);
  for (auto& item : m->named_parameters()) {
    auto& p = item.value();
    if (p.dim() == 1) p.add_(at::normal(0.0, std, p.sizes(), gen));
  }
  return m;
}

// A copy of `m` (same weights) on `device`.
GPT copy_to(const GPT& m, torch::Device device) {
  auto c = std::dynamic_pointer_cast<GPTImpl>(m->clone());
  GPT out(c);
  out->to(device);
  return out;
}

torch::Tensor ids_for(const GPTConfig& cfg, int64_t B, int64_t T) {
  auto ids = torch::empty({B, T}, torch::kInt64);
  auto a = ids.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) a[b][t] = (t * 7 + b * 13 + 3) % cfg.vocab_size;
  return ids;
}

// A reward that reads the sampled ids (no text): the fraction of completion tokens with id < V/2.
class LowHalfReward : public Reward {
 public:
  explicit LowHalfReward(int64_t vocab) : half_(vocab / 2) {}
  std::vector<double> score(const RewardBatch& b) override {
    auto hits = b.completion_tokens.lt(half_).logical_and(b.completion_mask).sum(1).to(torch::kDouble);
    auto r = (hits / b.completion_mask.sum(1).clamp_min(1).to(torch::kDouble)).to(kCpu).contiguous();
    return std::vector<double>(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
  }
  using Reward::score;
  std::string name() const override { return "low-half"; }

 private:
  int64_t half_;
};

}  // namespace

TEST(Gpu, ForwardLogitsMatchTheCpu) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(97, 64, 3, 64);
  GPT cpu = perturbed_gpt(cfg, 1, 0.05);
  GPT gpu = copy_to(cpu, dev);
  cpu->eval();
  gpu->eval();
  torch::NoGradGuard ng;
  const auto ids = ids_for(cfg, 4, cfg.n_ctx);
  const auto ref = cpu->forward(ids);
  const auto out = gpu->forward(ids.to(dev));
  EXPECT_EQ(out.device(), dev);
  const double err = max_abs_diff(out, ref);
  std::cout << "forward: max |device - cpu| logits = " << err << " (logits std " << ref.std().item<double>() << ")\n";
  EXPECT_LT(err, 1e-4);
  EXPECT_GT(ref.std().item<double>(), 0.05);  // not trivially equal
}

TEST(Gpu, GradientsMatchTheCpu) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(97, 64, 3, 64);
  GPT cpu = perturbed_gpt(cfg, 2, 0.05);
  GPT gpu = copy_to(cpu, dev);
  cpu->eval();  // no dropout: the same function on both sides
  gpu->eval();
  const auto ids = ids_for(cfg, 4, cfg.n_ctx);
  auto loss_of = [&](GPT& m, torch::Device d) {
    auto x = ids.to(d);
    auto logits = m->forward(x.narrow(1, 0, cfg.n_ctx - 1));
    auto loss = lm_loss(logits, x.narrow(1, 1, cfg.n_ctx - 1));
    loss.backward();
    return loss.item<double>();
  };
  const double l_cpu = loss_of(cpu, kCpu), l_gpu = loss_of(gpu, dev);
  EXPECT_NEAR(l_gpu, l_cpu, 1e-5 * std::abs(l_cpu));
  const auto pc = named_params(*cpu), pg = named_params(*gpu);
  ASSERT_EQ(pc.size(), pg.size());
  double worst = 0;
  std::string worst_name;
  for (size_t i = 0; i < pc.size(); ++i) {
    const auto& gc = pc[i].second.grad();
    const auto& gg = pg[i].second.grad();
    ASSERT_TRUE(gc.defined() && gg.defined()) << pc[i].first;
    EXPECT_EQ(gg.device(), dev) << pc[i].first;
    // Relative to the gradient's own scale, so that large and small tensors are judged alike.
    const double rel = max_abs_diff(gg, gc) / std::max(gc.abs().max().item<double>(), 1e-12);
    if (rel > worst) worst = rel, worst_name = pc[i].first;
    EXPECT_LT(rel, 1e-3) << pc[i].first;
  }
  std::cout << "backward: loss cpu " << l_cpu << " device " << l_gpu << "; worst relative gradient difference " << worst
            << " (" << worst_name << ")\n";
}

TEST(Gpu, KvCacheSamplingMatchesTheCpu) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(97, 64, 2, 32);
  GPT cpu = perturbed_gpt(cfg, 3, 0.02);
  GPT gpu = copy_to(cpu, dev);
  std::vector<std::vector<int64_t>> prompts;
  std::vector<uint64_t> seeds;
  for (int64_t b = 0; b < 12; ++b) {
    std::vector<int64_t> p;
    for (int64_t i = 0; i < 1 + b % 5; ++i) p.push_back((b * 11 + i * 5 + 1) % cfg.vocab_size);
    prompts.push_back(p);
    seeds.push_back(100 + b);
  }
  SampleOptions o;
  o.temperature = 0.9;
  o.top_k = 40;
  o.top_p = 0.95;
  o.eos_id = 0;
  o.max_new_tokens = 24;
  const auto ref = sample(cpu, prompts, seeds, o, kCpu);
  const auto out = sample(gpu, prompts, seeds, o, dev);
  o.use_kv_cache = false;
  const auto recomputed = sample(gpu, prompts, seeds, o, dev);
  EXPECT_EQ(out.tokens.device(), dev);
  // The same uniforms pick the same tokens unless a float difference moves a CDF boundary across
  // one of them: with these sizes that is far below one token in the 288 drawn.
  EXPECT_TRUE(torch::equal(out.tokens.cpu(), ref.tokens)) << "device tokens\n"
                                                          << out.tokens.cpu() << "\ncpu\n"
                                                          << ref.tokens;
  EXPECT_TRUE(torch::equal(out.mask.cpu(), ref.mask));
  EXPECT_TRUE(torch::equal(recomputed.tokens.cpu(), out.tokens.cpu())) << "KV cache and recompute differ on the device";
  const double err = max_abs_diff(out.log_probs, ref.log_probs);
  std::cout << "sampling: " << ref.mask.sum().item<int64_t>() << " tokens identical; max |device - cpu| log-prob "
            << err << "\n";
  EXPECT_LT(err, 1e-4);
}

TEST(Gpu, RlStepMatchesTheCpu) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(97, 64, 2, 32);
  RlStepOptions o;
  o.beta = 0.1;
  o.temperature = 0.9;
  o.max_new_tokens = 16;
  o.grad_clip = 1.0;
  o.eos_id = 0;
  o.samples_per_prompt = 2;
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t b = 0; b < 8; ++b) prompts.push_back({(b * 5 + 1) % cfg.vocab_size, (b * 3 + 2) % cfg.vocab_size});
  struct Side {
    GPT policy, anchor, sft;
    std::unique_ptr<AdamW> opt;
    std::vector<RlStepStats> stats;
  };
  const double lr = 1e-3;
  auto run = [&](torch::Device d) {
    Side s{perturbed_gpt(cfg, 4, 0.02), perturbed_gpt(cfg, 4, 0.02), perturbed_gpt(cfg, 4, 0.02), nullptr, {}};
    s.policy->to(d);
    s.anchor->to(d);
    s.sft->to(d);
    s.opt = std::make_unique<AdamW>(named_params(*s.policy), AdamWConfig{lr, 0.9, 0.999, 1e-8, 0.0});
    LowHalfReward reward(cfg.vocab_size);
    RlStep step(s.policy, s.anchor, s.sft, *s.opt, reward, nullptr, nullptr, o, d);
    uint64_t seed = 1;
    for (int k = 0; k < 3; ++k) {
      std::vector<uint64_t> seeds;
      for (size_t r = 0; r < prompts.size() * o.samples_per_prompt; ++r) seeds.push_back(seed++);
      s.stats.push_back(step.run(prompts, {}, seeds, lr, 0.05));
    }
    return s;
  };
  Side c = run(kCpu), g = run(dev);
  for (size_t k = 0; k < c.stats.size(); ++k) {
    const auto &a = c.stats[k], &b = g.stats[k];
    SCOPED_TRACE("step " + std::to_string(k + 1));
    EXPECT_TRUE(b.finite && b.weights_finite);
    EXPECT_EQ(b.tokens, a.tokens);
    // The same tokens, so the same per-row rewards; their mean is taken in float32 on each side.
    EXPECT_NEAR(b.reward, a.reward, 1e-6);
    EXPECT_NEAR(b.kl_anchor, a.kl_anchor, 1e-4 + 1e-3 * std::abs(a.kl_anchor));
    EXPECT_NEAR(b.entropy, a.entropy, 1e-4 * std::abs(a.entropy));
    EXPECT_NEAR(b.loss, a.loss, 1e-4 + 1e-3 * std::abs(a.loss));
    EXPECT_NEAR(b.grad_norm, a.grad_norm, 1e-3 * a.grad_norm);
    std::cout << "rl step " << k + 1 << ": loss cpu " << a.loss << " device " << b.loss << ", grad norm cpu "
              << a.grad_norm << " device " << b.grad_norm << ", kl " << a.kl_anchor << " / " << b.kl_anchor << "\n";
  }
  // AdamW moves each weight by at most about lr per step whatever the gradient's scale, so weights
  // whose gradient is ~0 can differ by up to 2 lr per step; everything else agrees far more closely.
  double worst = 0;
  const auto pc = named_params(*c.policy), pg = named_params(*g.policy);
  for (size_t i = 0; i < pc.size(); ++i) worst = std::max(worst, max_abs_diff(pg[i].second, pc[i].second));
  std::cout << "rl: max |device - cpu| policy weight after 3 steps = " << worst << "\n";
  EXPECT_LT(worst, 6 * lr);
  double anchor_worst = 0;
  const auto ac = named_params(*c.anchor), ag = named_params(*g.anchor);
  for (size_t i = 0; i < ac.size(); ++i)
    anchor_worst = std::max(anchor_worst, max_abs_diff(ag[i].second, ac[i].second));
  EXPECT_LT(anchor_worst, 6 * lr * 0.05 * 3 + 1e-6);  // the EMA moves 0.05 of the way each step
}

// On a device AdamW and the EMA issue multi-tensor `_foreach` ops (train/adamw.h); the per-tensor
// loop on the same device is the reference. The two may round differently (kernels may fuse a
// multiply-add), so they agree to float32 rounding, not bit for bit.
TEST(Gpu, MultiTensorAdamWAndEmaMatchThePerTensorLoopOnTheDevice) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(97, 64, 2, 32);
  const auto ids = ids_for(cfg, 4, cfg.n_ctx).to(dev);
  auto run = [&](TensorLoop loop) {
    GPT m = copy_to(perturbed_gpt(cfg, 8, 0.02), dev);
    GPT anchor = copy_to(perturbed_gpt(cfg, 8, 0.02), dev);
    AdamWConfig ac{1e-3, 0.9, 0.999, 1e-8, 0.1};
    ac.loop = loop;
    AdamW opt(named_params(*m), ac);
    for (int k = 0; k < 4; ++k) {
      opt.zero_grad();
      m->forward(ids).logsumexp(-1).mean().backward();
      opt.step(1e-3);
      ema_update(named_params(*anchor), named_params(*m), 0.05, loop);
    }
    return std::make_pair(named_params(*m), named_params(*anchor));
  };
  const auto per = run(TensorLoop::per_tensor), multi = run(TensorLoop::multi_tensor);
  double worst = 0, anchor_worst = 0;
  for (size_t i = 0; i < per.first.size(); ++i) {
    EXPECT_EQ(multi.first[i].second.device(), dev);
    worst = std::max(worst, max_abs_diff(multi.first[i].second, per.first[i].second));
    anchor_worst = std::max(anchor_worst, max_abs_diff(multi.second[i].second, per.second[i].second));
  }
  std::cout << "multi-tensor vs per-tensor on the device: policy " << worst << ", EMA anchor " << anchor_worst << "\n";
  EXPECT_LT(worst, 1e-5);
  EXPECT_LT(anchor_worst, 1e-5);
}

TEST(Gpu, MergeOfDeviceTensorsEqualsTheCpuMerge) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(53, 24, 2, 32);
  GPT init = perturbed_gpt(cfg, 5, 0.02);
  std::vector<NamedTensors> models_cpu, models_dev;
  for (uint64_t m = 0; m < 3; ++m) {
    auto p = named_params(*perturbed_gpt(cfg, 10 + m, 0.02));
    NamedTensors d;
    for (auto& [n, t] : p) d.emplace_back(n, t.detach().to(dev));
    models_cpu.push_back(p);
    models_dev.push_back(d);
  }
  NamedTensors init_dev;
  for (auto& [n, t] : named_params(*init)) init_dev.emplace_back(n, t.detach().to(dev));
  MergeParams params;
  params.method = MergeMethod::Slerp;  // three models: the SLERP of their task vectors, no λ
  const auto ref = merge_named_tensors(params, named_params(*init), models_cpu);
  const auto out = merge_named_tensors(params, init_dev, models_dev);
  ASSERT_EQ(out.tensors.size(), ref.tensors.size());
  for (size_t i = 0; i < ref.tensors.size(); ++i) {
    EXPECT_EQ(out.tensors[i].second.device(), kCpu);
    EXPECT_TRUE(torch::equal(out.tensors[i].second, ref.tensors[i].second)) << ref.tensors[i].first;
  }
}

TEST(Gpu, CheckpointOfDeviceTensorsLoadsOnTheCpuAndBack) {
  WARP_DEVICE_OR_SKIP(dev);
  const auto cfg = test::tiny_gpt_config(53, 24, 2, 32);
  GPT m = perturbed_gpt(cfg, 6, 0.02);
  m->to(dev);
  const std::string dir = test::scratch_dir("gpu-ckpt");
  save_gpt_params(dir + "/p.h5", cfg, named_params(*m));
  GPT back = load_policy(dir + "/p.h5", kCpu, &cfg);
  GPT again = load_policy(dir + "/p.h5", dev, &cfg);
  const auto pm = named_params(*m), pb = named_params(*back), pa = named_params(*again);
  for (size_t i = 0; i < pm.size(); ++i) {
    EXPECT_EQ(pb[i].second.device(), kCpu);
    EXPECT_EQ(pa[i].second.device(), dev);
    EXPECT_TRUE(torch::equal(pb[i].second, pm[i].second.cpu())) << pm[i].first;
    EXPECT_TRUE(torch::equal(pa[i].second.cpu(), pm[i].second.cpu())) << pm[i].first;
  }
}

namespace {

std::string python() {
  const char* p = std::getenv("WARP_TEST_PYTHON");
  return p && *p ? p : "python3";
}

// Max |engine - GPT2LMHeadModel| logits of `model` (on the device) for the folder `hf_dir`.
double transformers_diff(GPT& model, const std::string& hf_dir, const std::string& work, torch::Device dev,
                         double* logit_std) {
  const auto cfg = model->config();
  const int64_t B = 2, T = std::min<int64_t>(cfg.n_ctx, 128);
  const auto ids = ids_for(cfg, B, T);
  std::vector<std::vector<int64_t>> rows(B, std::vector<int64_t>(T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) rows[b][t] = ids[b][t].item<int64_t>();
  write_file_atomic(work + "/ids.json", nlohmann::json(rows).dump());
  const std::string script = test::env_path("WARP_SOURCE_DIR") + "/tests/reference/hf_transformers_logits.py";
  const std::string cmd = python() + " '" + script + "' --model '" + hf_dir + "' --ids '" + work +
                          "/ids.json' --out '" + work + "/logits.f32' --device " + (dev.is_cuda() ? "cuda" : "cpu");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto bytes = read_file_bytes(work + "/logits.f32");
  auto ref = torch::empty({B, T, cfg.vocab_size}, torch::kFloat32);
  if (bytes.size() != static_cast<size_t>(ref.numel()) * 4) {
    ADD_FAILURE() << work << "/logits.f32: " << bytes.size() << " bytes, expected " << ref.numel() * 4;
    return INFINITY;
  }
  std::memcpy(ref.data_ptr<float>(), bytes.data(), bytes.size());
  torch::NoGradGuard ng;
  model->eval();
  const auto out = model->forward(ids.to(dev));
  *logit_std = ref.std().item<double>();
  return max_abs_diff(out, ref);
}

}  // namespace

TEST(HfTransformers, ExportedModelLogitsMatchGPT2LMHeadModel) {
  WARP_DEVICE_OR_SKIP(dev);
  const std::string probe = python() + " -c 'import transformers, torch' 2>/dev/null";
  if (std::system(probe.c_str()) != 0)
    GTEST_SKIP() << python() << " cannot import transformers (set WARP_TEST_PYTHON to a Python that can)";
  const std::string dir = test::scratch_dir("gpu-hf");
  {
    // GPT-2 small's shape (124M parameters) with GPT-2's init and non-trivial LayerNorms and biases.
    GPTConfig cfg;
    cfg.n_layer = 12;
    cfg.n_head = 12;
    cfg.n_embd = 768;
    cfg.n_ctx = 1024;
    cfg.vocab_size = 50257;
    GPT m = perturbed_gpt(cfg, 7, 0.02);
    HfExportOptions opt;
    opt.bos_token_id = opt.eos_token_id = cfg.vocab_size - 1;
    export_hf_gpt2(dir + "/small", cfg, named_params(*m), opt);
    m->to(dev);
    double sd = 0;
    const double err = transformers_diff(m, dir + "/small", dir, dev, &sd);
    std::cout << "transformers GPT2LMHeadModel vs engine (GPT-2 small shape, " << cfg.num_params() << " parameters, on "
              << dev << "): max |diff| logits = " << err << " (logit std " << sd << ")\n";
    EXPECT_LT(err, 1e-4);
    EXPECT_GT(sd, 0.05);
  }
  // A trained policy through the CLI: `warp export` of the given checkpoint.
  if (const char* ckpt = std::getenv("WARP_GPU_CHECK_CHECKPOINT"); ckpt && *ckpt) {
    const std::string out = dir + "/exported";
    const std::string cmd = "'" + test::env_path("WARP_EXE") + "' export --ckpt '" + ckpt + "' --out '" + out + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    GPT m = load_policy(ckpt, dev);
    double sd = 0;
    const double err = transformers_diff(m, out, dir, dev, &sd);
    std::cout << "transformers GPT2LMHeadModel vs engine (`warp export` of " << ckpt << ", on " << dev
              << "): max |diff| logits = " << err << " (logit std " << sd << ")\n";
    EXPECT_LT(err, 1e-4);
  }
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--device" && i + 1 < argc) {
      g_device_spec = argv[++i];
    } else if (a.rfind("--device=", 0) == 0) {
      g_device_spec = a.substr(9);
    } else {
      std::cerr << "test_gpu: unknown argument '" << a << "' (expected --device cuda|cuda:N|cpu)\n";
      return 2;
    }
  }
  try {
    if (!(g_device_spec.rfind("cuda", 0) == 0 && !torch::cuda::is_available())) parse_device(g_device_spec);
  } catch (const std::exception& e) {
    std::cerr << "test_gpu: " << e.what() << "\n";
    return 2;
  }
  const int rc = RUN_ALL_TESTS();
  // Every test skipped (no GPU) and none failed: exit 77, which CTest reports as skipped (not passed).
  const auto& u = *::testing::UnitTest::GetInstance();
  if (rc == 0 && u.successful_test_count() == 0 && u.skipped_test_count() > 0) return 77;
  return rc;
}
