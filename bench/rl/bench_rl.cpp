// bench_rl: one step of EMA-anchored KL-regularized REINFORCE (core/rl/rl_step.h, the very code the
// trainer runs) at the demo sizes, broken down by stage, next to the same step written in Python
// PyTorch eager (bench/rl/peer_rl_step.py, run by this program in the same run):
//   model   random-init demo policy: n_layer 4, n_head 4, n_embd 128, n_ctx 128, vocab 4096;
//           the anchor (EMA) and SFT models are separate copies, as in a default run
//   step    batch 32 prompts of 2..8 tokens (left-padded), 32 new tokens at temperature 0.9,
//           EOS id 0, β 0.1, μ 0.01, AdamW lr 1e-4, grad clip 1.0, batch-mean baseline
//   reward  synthetic, reading the sampled ids: fraction of completion tokens with id < V/2
//           (no experiment needed)
// Stages: sample, reward, anchor and SFT log-probs, policy forward + backward, optimizer, EMA.
// Engine and peer alternate (--rounds rounds of warm-up + --reps steps each, the peer in a fresh
// Python process), since the CPUs may be shared; each figure is the median over all steps of a
// side. Target: engine total >= 1.0x the peer (ratio = peer / engine).
//
// Both use the same thread count. OpenMP threads that spin while waiting starve everything else
// on shared cores, so unless --keep-env is given the program re-executes itself with the settings of
// util/compute_env.h (OMP_WAIT_POLICY=PASSIVE, glibc's malloc thresholds) as `warp` does; the peer
// inherits them.
//
// GPU (docs/gpu.md, scripts/gpu-check.sh): `--device cuda --size gpt2-small` runs the step with
// GPT-2 small (n_layer=12, n_head=12, n_embd=768, n_ctx=1024, vocab 50257; 124M parameters, three
// copies) on the GPU, the peer likewise. There kernels run asynchronously: a step's total is timed
// here up to a device synchronize, and the stage figures are launch times.
//
// Usage: bench_rl [--threads N] [--warmup N] [--reps N] [--rounds N] [--no-peer] [--keep-env]
//                 [--python PATH] [--device cpu|cuda|cuda:N] [--size demo|gpt2-small]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "../bench_paths.h"
#include "model/device.h"
#include "model/gpt.h"
#include "reward/reward.h"
#include "rl/rl_step.h"
#include "store/gpt_checkpoint.h"
#include "train/adamw.h"
#include "util/compute_env.h"

using namespace warp;

namespace {

struct Args {
  int threads = 2;
  int warmup = 1;
  int reps = 5;
  int rounds = 2;
  bool peer = true;
  bool keep_env = false;
  std::string python = "/usr/bin/python3";
  std::string device = "cpu";
  std::string size = "demo";
};

[[noreturn]] void usage_error(const std::string& what) {
  std::cerr << "bench_rl: " << what << "\n";
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(s + " needs a value");
      return argv[++i];
    };
    auto integer = [&](const std::string& v, int min) {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < min || n > 1000)
        usage_error(s + " must be an integer in [" + std::to_string(min) + ", 1000], got '" + v + "'");
      return static_cast<int>(n);
    };
    if (s == "--threads") a.threads = integer(value(), 1);
    else if (s == "--warmup") a.warmup = integer(value(), 0);
    else if (s == "--reps") a.reps = integer(value(), 1);
    else if (s == "--rounds") a.rounds = integer(value(), 1);
    else if (s == "--no-peer") a.peer = false;
    else if (s == "--keep-env") a.keep_env = true;
    else if (s == "--python") a.python = value();
    else if (s == "--device") a.device = value();
    else if (s == "--size") {
      a.size = value();
      if (a.size != "demo" && a.size != "gpt2-small")
        usage_error("--size must be demo or gpt2-small, got '" + a.size + "'");
    } else if (s == "--help" || s == "-h") {
      std::cout << "usage: bench_rl [--threads N] [--warmup N] [--reps N] [--rounds N] [--no-peer] [--keep-env] "
                   "[--python PATH] [--device cpu|cuda|cuda:N] [--size demo|gpt2-small]\n";
      std::exit(0);
    } else {
      usage_error("unknown argument '" + s + "'");
    }
  }
  return a;
}

// The peer's synthetic reward: fraction of completion tokens (mask) with id < V/2.
class LowHalfReward : public Reward {
 public:
  explicit LowHalfReward(int64_t vocab) : half_(vocab / 2) {}
  std::vector<double> score(const RewardBatch& b) override {
    auto hits = b.completion_tokens.lt(half_).logical_and(b.completion_mask).sum(1).to(torch::kDouble);
    auto r = (hits / b.completion_mask.sum(1).clamp_min(1).to(torch::kDouble)).to(torch::kCPU).contiguous();
    return std::vector<double>(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
  }
  using Reward::score;
  std::string name() const override { return "low-half"; }

 private:
  int64_t half_;
};

const std::vector<std::string> kStages{"sample", "reward", "anchor", "sft", "policy", "optimizer", "ema", "total"};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// One round of the peer: stage -> seconds per step (empty on failure, reason on stderr).
std::map<std::string, std::vector<double>> run_peer(const Args& a) {
  const std::string cmd = a.python + " '" + warp::bench::executable_dir() + "/peer_rl_step.py' --json --threads " +
                          std::to_string(a.threads) + " --warmup " + std::to_string(a.warmup) + " --reps " +
                          std::to_string(a.reps) + " --device '" + a.device + "' --size " + a.size;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    std::cerr << "bench_rl: cannot start the peer: " << cmd << "\n";
    return {};
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  if (rc != 0) {
    std::cerr << "bench_rl: the peer failed (status " << rc << "): " << cmd << "\n";
    return {};
  }
  try {
    auto j = nlohmann::json::parse(out.substr(out.find('{')));
    std::map<std::string, std::vector<double>> r;
    for (const auto& s : kStages) r[s] = j.at("stages").at(s).get<std::vector<double>>();
    return r;
  } catch (const std::exception& e) {
    std::cerr << "bench_rl: cannot read the peer's output (" << e.what() << "): " << out << "\n";
    return {};
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  if (!args.keep_env) warp::ensure_compute_env(argv);
  torch::set_num_threads(args.threads);
  torch::Device device(torch::kCPU);
  try {
    device = parse_device(args.device);
  } catch (const std::exception& e) {
    usage_error(e.what());
  }
  const bool gpt2_small = args.size == "gpt2-small";

  GPTConfig cfg;  // the demo policy, or GPT-2 small
  cfg.n_layer = gpt2_small ? 12 : 4;
  cfg.n_head = gpt2_small ? 12 : 4;
  cfg.n_embd = gpt2_small ? 768 : 128;
  cfg.n_ctx = gpt2_small ? 1024 : 128;
  cfg.vocab_size = gpt2_small ? 50257 : 4096;
  const int64_t B = 32, P = 8, K = 32;
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf(
      "bench_rl: one RL step, %s n_layer=%lld n_head=%lld n_embd=%lld n_ctx=%lld vocab=%lld (%lld "
      "parameters), float32, %s\n"
      "batch %lld prompts of 2..%lld tokens, %lld new tokens, tau 0.9, beta 0.1, mu 0.01, AdamW, clip 1.0; "
      "threads %d (engine and peer), OMP_WAIT_POLICY=%s; %d rounds x (warm-up %d + %d steps) per side, median; "
      "load average at start %s\n",
      gpt2_small ? "GPT-2 small" : "demo policy", (long long)cfg.n_layer, (long long)cfg.n_head, (long long)cfg.n_embd,
      (long long)cfg.n_ctx, (long long)cfg.vocab_size, (long long)cfg.num_params(), device.str().c_str(), (long long)B,
      (long long)P, (long long)K, args.threads, wait ? wait : "(unset)", args.rounds, args.warmup, args.reps,
      loadavg().c_str());
  std::fflush(stdout);

  GPT policy(cfg, 0), anchor(cfg, 0), sft(cfg, 0);  // same seed: identical weights
  policy->to(device);
  anchor->to(device);
  sft->to(device);
  AdamW opt(named_params(*policy), AdamWConfig{1e-4, 0.9, 0.999, 1e-8, 0.0});
  LowHalfReward reward(cfg.vocab_size);
  RlStepOptions o;
  o.beta = 0.1;
  o.temperature = 0.9;
  o.max_new_tokens = K;
  o.grad_clip = 1.0;
  o.eos_id = 0;
  RlStep step(policy, anchor, sft, opt, reward, nullptr, nullptr, o, device);
  torch::manual_seed(0);
  auto ids = torch::randint(1, cfg.vocab_size, {B, P}, torch::kLong);
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = b % (P - 1) + 2;
    std::vector<int64_t> p;
    for (int64_t i = 0; i < len; ++i) p.push_back(ids[b][i].item<int64_t>());
    prompts.push_back(p);
  }

  std::map<std::string, std::vector<double>> engine, peer;
  uint64_t seed = 1;
  for (int round = 0; round < args.rounds; ++round) {
    for (int i = 0; i < args.warmup + args.reps; ++i) {
      std::vector<uint64_t> seeds;
      for (int64_t b = 0; b < B; ++b) seeds.push_back(seed++);
      const auto t0 = std::chrono::steady_clock::now();
      const RlStepStats st = step.run(prompts, {}, seeds, 1e-4, 0.01);
      if (device.is_cuda()) torch::cuda::synchronize();
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (i < args.warmup) continue;
      const auto& t = st.times;
      // On a GPU the step's own total stops before its last kernels have run: use the synchronized wall time.
      const double v[] = {t.sample, t.reward,    t.anchor, t.sft,
                          t.policy, t.optimizer, t.ema,    device.is_cuda() ? wall : t.total};
      for (size_t s = 0; s < kStages.size(); ++s) engine[kStages[s]].push_back(v[s]);
    }
    if (args.peer) {
      auto r = run_peer(args);
      for (auto& [k, v] : r) peer[k].insert(peer[k].end(), v.begin(), v.end());
    }
  }

  std::printf("\n%-10s %12s %12s %8s\n", "stage", "engine ms", "peer ms", "ratio");
  for (const auto& s : kStages) {
    const double e = 1e3 * median(engine[s]);
    if (!peer.empty() && !peer[s].empty()) {
      const double p = 1e3 * median(peer[s]);
      std::printf("%-10s %12.2f %12.2f %7.2fx\n", s.c_str(), e, p, p / std::max(e, 1e-9));
    } else {
      std::printf("%-10s %12.2f %12s %8s\n", s.c_str(), e, "-", "-");
    }
  }
  if (!peer.empty() && !peer["total"].empty()) {
    const double ratio = median(peer["total"]) / median(engine["total"]);
    std::printf("\nengine step %.1f ms, peer step %.1f ms: engine at %.2fx the peer (target >= 1.0x) %s\n",
                1e3 * median(engine["total"]), 1e3 * median(peer["total"]), ratio, ratio >= 1.0 ? "PASS" : "BELOW");
  }
  std::printf("load average at end %s\n", loadavg().c_str());
  return 0;
}
