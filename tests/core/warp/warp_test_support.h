#pragma once
// Shared by the WARP driver tests: tiny settings on the synthetic experiment of the eval/rl tests,
// an in-process stand-in for `warp train` (WarpDriverOptions hooks: the worker runs synchronously
// inside launch(), as cmd_train.cpp would run it, with a dense stand-in reward), and tensor
// comparisons.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "eval/synthetic_experiment.h"
#include "reward/reward.h"
#include "rl/rl_config.h"
#include "rl/trainer.h"
#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "warp/driver.h"

namespace warp::test {

inline RlConfig tiny_rl() {
  RlConfig c;
  c.steps = 3;
  c.batch = 2;
  c.max_new_tokens = 6;
  c.lr = 1e-2;
  c.warmup = 1;
  c.beta = 0.05;
  c.mu = 0.2;
  c.eval_every = 3;
  c.eval_prompts = 4;
  c.ckpt_every = 2;
  c.threads = 1;
  c.device = "cpu";
  c.reward = "gold";
  return c;
}

inline WarpConfig tiny_warp(const std::string& name = "w") {
  WarpConfig w;
  w.name = name;
  w.iterations = 2;
  w.runs = 2;
  w.eta_grid = {0.0, 0.5, 1.0};
  w.eta = 0.3;
  w.threads = 1;
  w.device = "cpu";
  w.seed = 5;
  return w;
}

// A reward whose scoring always fails (a worker that fails with a message).
class FailingReward : public Reward {
 public:
  std::vector<double> score(const RewardBatch&) override { throw Error("reward server unreachable"); }
  std::string name() const override { return "failing"; }
};

// The in-process workers' reward: the mean byte value of the completion text / 255. Dense, so the
// random byte-level policy of the synthetic experiment moves within the few steps of tiny_rl(). Its
// gold reward is 0 unless one of a handful of samples happens to hold a sentiment word, and which
// samples are drawn depends on the float rounding of the machine's kernels: on an AVX-512 machine
// no worker of the end-to-end test scored anything, so no run moved and the SLERP angle was NaN.
class ByteMeanReward : public Reward {
 public:
  std::vector<double> score(const RewardBatch& batch) override {
    std::vector<double> out;
    for (const std::string& c : batch.completions) {
      double sum = 0;
      for (unsigned char ch : c) sum += ch;
      out.push_back(c.empty() ? 0.0 : sum / (255.0 * static_cast<double>(c.size())));
    }
    return out;
  }
  std::string name() const override { return "byte-mean"; }
};

// `warp train` inside the test process. Each launch runs the worker to its end at once; poll
// returns its exit code (0 finished, 130 stopped, 2 bad input, 1 other errors, like the CLI).
struct InProcessWorkers {
  explicit InProcessWorkers(const Experiment& e) : exp(e) {}

  const Experiment& exp;
  std::vector<WorkerLaunch> launched;
  std::vector<int64_t> stopped;
  std::map<int64_t, int> codes;
  int64_t next = 1;
  // Optional per worker: the progress callback it runs with (return false = SIGTERM at that point).
  std::function<ProgressFn(const std::string& worker)> progress_for;
  // Optional per worker: run with a failing reward.
  std::function<bool(const std::string& worker)> fail;
  // Score with ByteMeanReward (false: with the RL config's reward, as `warp train` does, for a
  // reference that real worker processes must reproduce bit for bit).
  bool stand_in_reward = true;

  static std::map<std::string, std::string> flags(const std::vector<std::string>& args) {
    std::map<std::string, std::string> out;
    EXPECT_EQ(args.at(0), "train");
    for (size_t i = 1; i + 1 < args.size(); i += 2) out[args[i]] = args[i + 1];
    return out;
  }

  int run(const WorkerLaunch& wl) {
    auto f = flags(wl.args);
    EXPECT_EQ(f.at("--exp"), exp.dir());
    RlRunOptions ro;
    ro.threads = std::stoi(f.at("--threads"));
    if (fail && fail(wl.name)) ro.make_reward = [] { return std::unique_ptr<Reward>(new FailingReward()); };
    else if (stand_in_reward) ro.make_reward = [] { return std::unique_ptr<Reward>(new ByteMeanReward()); };
    const ProgressFn progress = progress_for ? progress_for(wl.name) : ProgressFn();
    try {
      if (wl.resume) {
        EXPECT_EQ(f.at("--resume"), wl.name);
        resume_rl(exp, wl.name, ro, progress);
      } else {
        EXPECT_EQ(f.at("--name"), wl.name);
        const auto j = nlohmann::json::parse(read_file_text(f.at("--config")));
        RlConfig c = RlConfig::from_json(j, f.at("--config"));
        c.init = f.at("--init");
        c.seed = std::stoull(f.at("--seed"));
        c.prompt_seed = std::stoull(f.at("--prompt-seed"));
        c.threads = std::stoi(f.at("--threads"));
        c.device = f.at("--device");
        ro.iteration = std::stoll(f.at("--iteration"));
        ro.parent_run = f.at("--parent-run");
        run_rl(exp, wl.name, c, ro, progress);
      }
      return 0;
    } catch (const Cancelled&) {
      return 130;
    } catch (const BadInput&) {
      return 2;
    } catch (const std::exception&) {
      return 1;
    }
  }

  WarpDriverOptions options() {
    WarpDriverOptions o;
    o.poll_interval_ms = 1;
    o.launch = [this](const WorkerLaunch& wl) {
      launched.push_back(wl);
      const int64_t h = next++;
      codes[h] = run(wl);
      return h;
    };
    o.poll = [this](int64_t h) -> std::optional<int> { return codes.at(h); };
    o.stop = [this](int64_t h) { stopped.push_back(h); };
    return o;
  }
};

inline NamedTensors params_of(const std::string& path) { return load_checkpoint(path).params; }

inline void expect_bitwise_equal(const std::string& a, const std::string& b) {
  const NamedTensors ta = params_of(a), tb = params_of(b);
  ASSERT_EQ(ta.size(), tb.size()) << a << " vs " << b;
  for (size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].first, tb[i].first);
    EXPECT_TRUE(torch::equal(ta[i].second, tb[i].second)) << a << " vs " << b << ": " << ta[i].first;
  }
}

inline std::map<std::string, torch::Tensor> by_name(const NamedTensors& t) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [n, v] : t) out.emplace(n, v);
  return out;
}

}  // namespace warp::test
