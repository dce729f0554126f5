#pragma once
// One step of EMA-anchored, KL-regularized REINFORCE (DESIGN §5), on models in memory: what the
// trainer runs every step and what bench/rl measures.
//
// Dimension legend: Np prompts of the step, G completions per prompt, N = Np·G rows (row p·G + g),
// P prompt slots, K max new tokens, V vocab.
//
//   1. sample   y ~ π_θ(·|x) at temperature τ, one seed per row (model/sampler.h); [N, K] tokens,
//               mask (true up to and including EOS)
//   2. reward   r (and the gold reward, when it is another one) of the decoded completions; the
//               RewardBatch carries the sampled ids too
//   3. anchor   log π_anchor(y_t|…) at τ, no gradient
//   4. sft      log π_sft(y_t|…) at τ, no gradient (shared with 3 when the anchor is the SFT model
//               object itself)
//   5. policy   log π_θ at τ with gradient, entropy; r_β, baseline, loss (rl/reinforce.h); backward
//   6. optimizer  grad-norm clipping, AdamW at this step's lr; skipped when the loss or the grad
//               norm is not finite (finite = false)
//   7. ema      θ_ema ← (1 − μ) θ_ema + μ θ (rl/ema.h) when mu > 0
// The policy runs in eval mode (no dropout): the log-probabilities are of the very distribution
// that was sampled. Nothing here draws from a global generator: the seeds decide everything.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "model/gpt.h"
#include "reward/reward.h"
#include "rl/reinforce.h"
#include "store/tensor_info.h"
#include "tokenizer/bpe.h"
#include "train/adamw.h"

namespace warp {

struct RlStepOptions {
  double beta = 0.1;
  double temperature = 0.9;
  int64_t max_new_tokens = 32;
  Baseline baseline = Baseline::Mean;
  int64_t samples_per_prompt = 1;  // G
  double grad_clip = 1.0;          // 0: no clipping (the norm is still measured)
  int64_t eos_id = -1;             // token that ends a completion (-1: none)
};

// Wall seconds of each stage of a step (on CUDA, kernel launches are asynchronous: only `total`
// is exact there).
struct RlStepTimes {
  double sample = 0, reward = 0, anchor = 0, sft = 0, policy = 0, optimizer = 0, ema = 0, total = 0;
};

struct RlStepStats {
  double reward = 0;       // mean r
  double gold = 0;         // mean gold reward (= reward when r is the gold reward)
  double reward_beta = 0;  // mean r_β
  double kl_anchor = 0;    // mean Σ_t [log π_θ − log π_anchor] of the samples
  double kl_sft = 0;       // mean Σ_t [log π_θ − log π_sft] of the samples
  double entropy = 0;      // mean per-token entropy of π_θ (at τ) over the completion tokens
  double length = 0;       // mean completion length (mask positions, EOS included)
  double loss = 0;
  double grad_norm = 0;        // before clipping
  int64_t tokens = 0;          // completion tokens of the step
  bool finite = true;          // loss and grad norm finite: the update was applied
  bool weights_finite = true;  // every weight (policy and anchor) finite after the update
  RlStepTimes times;
};

class RlStep {
 public:
  // policy: π_θ (its parameters are the optimizer's). anchor: π_anchor, updated by EMA when run()
  // gets mu > 0. sft: π_sft; may be the anchor object itself (same module: computed once).
  // tokenizer: decodes completions for text rewards; null: empty texts (token-reading rewards).
  // gold: null when r is the gold reward. All are referenced, not copied: they must outlive this.
  RlStep(GPT policy, GPT anchor, GPT sft, AdamW& optimizer, Reward& reward, Reward* gold, const BpeTokenizer* tokenizer,
         const RlStepOptions& options, torch::Device device);

  // prompt_ids: Np prompts (token ids); prompt_texts: their texts (or empty: ""); seeds: N = Np·G
  // row seeds. BadInput for mismatched sizes.
  RlStepStats run(const std::vector<std::vector<int64_t>>& prompt_ids, const std::vector<std::string>& prompt_texts,
                  const std::vector<uint64_t>& seeds, double lr, double mu);

  const NamedTensors& policy_params() const { return policy_params_; }
  const NamedTensors& anchor_params() const { return anchor_params_; }

 private:
  GPT policy_, anchor_, sft_;
  AdamW& optimizer_;
  Reward& reward_;
  Reward* gold_;
  const BpeTokenizer* tokenizer_;
  RlStepOptions options_;
  torch::Device device_;
  NamedTensors policy_params_, anchor_params_;
};

}  // namespace warp
