#pragma once
// Evaluation of a policy as one point of the KL-reward plane (DESIGN §5), with common random
// numbers, batched, under NoGradGuard, cancellable. The RL trainer calls the same Evaluator for
// the points of its trajectory; `warp eval` calls evaluate_checkpoint, which caches in the DB.
//
// Dimension legend: B batch (prompts of one chunk), P prompt slots, K max new tokens, V vocab.
//
// For evaluation prompt i (in the order of the prompt file's "eval" set; the first max_prompts of
// them), with seed_i = derive_seed(kSeedDomainEval, config.seed, {i}):
//   y_i ~ π(·|x_i) at temperature τ (model/sampler.h: the same uniforms for any checkpoint, and a
//         row's completion does not depend on the other rows of its chunk)
//   reward_i          r(x_i, y_i)                     gold_i   the gold reward of y_i
//   kl_i              Σ_{t ∈ mask} Σ_v p_t(v) (log p_t(v) − log q_t(v))   p = π, q = π_sft, both at τ
//   kl_sampled_i      Σ_{t ∈ mask} (log p_t(y_t) − log q_t(y_t))
//   length_i          number of mask positions (EOS included when emitted)
// log p comes from the logits the sampler drew each token from; log q from θ_sft's pass over the
// completion after its prompt prefix (model/prompt_prefix.h: the prompts of a chunk are the same for
// every policy, so θ_sft's keys and values over them are computed once per Evaluator and kept while
// they fit in kSftPrefixBudgetBytes; the numbers are the same whether a prefix was kept or not). A
// policy bitwise equal to θ_sft takes log q for both sides, so its KL is exactly 0. Means and
// standard errors: eval/eval_point.h.
//
// Cache (evaluate_checkpoint): key = (checkpoint SHA-256, protocol SHA-256), where the protocol is
// the JSON object
//   {"version": 1, "prompts_sha256", "seed", "temperature", "max_new_tokens", "prompts" (count used),
//    "reward" (spec string), "reward_sha256" (rm checkpoint hash; "" for gold and external),
//    "sft_sha256", "tokenizer_sha256"}
// hashed as its compact dump (keys sorted). A hit returns at once: no model is loaded, nothing is
// sampled, the progress callback is never called. The per-prompt values are cached with the point;
// a point cached without them (before schema v5) is evaluated again once, which gives the same point.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "eval/eval_config.h"
#include "eval/eval_point.h"
#include "experiment/experiment.h"
#include "model/gpt.h"
#include "model/prompt_prefix.h"
#include "reward/reward.h"
#include "tokenizer/bpe.h"
#include "util/progress.h"

namespace warp {

// One evaluation prompt's outcome.
struct EvalRow {
  int64_t prompt_index = 0;         // i
  uint64_t seed = 0;                // seed_i
  std::vector<int64_t> completion;  // sampled ids up to, not including, EOS
  std::string text;                 // decoded completion
  double reward = 0, gold = 0, kl_sft = 0, kl_sft_sampled = 0;
  int64_t length = 0;  // mask positions (EOS included when emitted)
};

struct EvalResult {
  EvalPoint point;
  std::vector<EvalRow> rows;  // per prompt, in prompt order (empty when `cached`)
  PromptValues values;        // the rows' numbers (also when `cached`: stored beside the point)
  bool cached = false;        // served from the DB cache
  std::string protocol_sha256;
  nlohmann::json protocol;  // what protocol_sha256 hashes (evaluate_checkpoint only)
};

// The point over the first `n` rows of an evaluation (all rows: n = rows.size()).
EvalPoint point_of_rows(const std::vector<EvalRow>& rows, size_t n);

// A partial point (see Evaluator::evaluate).
using EstimateFn = std::function<void(const EvalPoint& so_far)>;

// The numbers of rows, in their order (for paired statistics).
PromptValues prompt_values(const std::vector<EvalRow>& rows);

// The seed of evaluation prompt i.
uint64_t eval_row_seed(uint64_t eval_seed, int64_t prompt_index);

// Evaluates policies against a fixed SFT model on fixed prompts. Holds references: the tokenizer,
// models and rewards must outlive it. Not thread-safe (one evaluation at a time).
class Evaluator {
 public:
  // prompts: the evaluation prompt texts (the first max_prompts are used). sft: π_sft on `device`
  // (put in eval mode for each call, its weights untouched). reward: r. gold: the gold reward; null
  // when r is the gold reward itself (then gold = reward, scored once).
  // BadInput for an invalid config, no prompts, or a prompt too long for n_ctx - max_new_tokens.
  Evaluator(const EvalConfig& config, const std::vector<std::string>& prompts, const BpeTokenizer& tokenizer, GPT sft,
            Reward& reward, Reward* gold, torch::Device device);

  // Progress: stage "eval", done/total prompts; returning false throws Cancelled between chunks.
  // estimate: called after every batch but the last with the point of the prompts done so far
  // (EvalPoint::prompts = how many; the same means and SEs the full point would give over them),
  // so that an interactive caller can show a first estimate long before the point is complete.
  EvalResult evaluate(GPT& policy, const ProgressFn& progress = {}, const EstimateFn& estimate = {});

  const EvalConfig& config() const { return config_; }
  int64_t num_prompts() const { return static_cast<int64_t>(texts_.size()); }

  // The most bytes of θ_sft prompt prefixes an Evaluator keeps (a chunk beyond it computes its prefix
  // for each evaluation): all chunks of the demo protocol fit, a GPT-2-small protocol's first ones.
  static constexpr int64_t kSftPrefixBudgetBytes = int64_t{256} << 20;

 private:
  // θ_sft's prefix over chunk `chunk`'s padded prompts (kept, or made for this call in `scratch`).
  PromptPrefix& sft_prefix(size_t chunk, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                           std::unique_ptr<PromptPrefix>& scratch);

  EvalConfig config_;
  std::vector<std::string> texts_;
  std::vector<std::vector<int64_t>> ids_;
  const BpeTokenizer& tokenizer_;
  GPT sft_;
  std::vector<std::unique_ptr<PromptPrefix>> sft_prefixes_;  // per chunk; null where none is kept
  int64_t sft_prefix_bytes_ = 0;
  Reward& reward_;
  Reward* gold_;
  torch::Device device_;
};

// An experiment's evaluation protocol loaded once: θ_sft on the config's device, the tokenizer, the
// evaluation prompts, the reward r and the gold reward, with an Evaluator over them. evaluate_checkpoint
// evaluates a checkpoint with one; the merge workbench (workbench/merge_workbench.h) keeps one for all
// its points, so a point evaluated either way is the same computation. Not thread-safe.
class ProtocolEvaluator {
 public:
  // config: as for evaluate_checkpoint (validated; an empty reward becomes default_reward_spec(exp)).
  // Sets LibTorch's compute threads to config.threads (when > 0). Needs data/prompts.json, the
  // tokenizer and checkpoints/sft.h5 (BadInput naming what is missing).
  ProtocolEvaluator(const Experiment& exp, const EvalConfig& config);
  ~ProtocolEvaluator();
  ProtocolEvaluator(const ProtocolEvaluator&) = delete;
  ProtocolEvaluator& operator=(const ProtocolEvaluator&) = delete;

  const EvalConfig& config() const;  // reward resolved
  torch::Device device() const;
  const GPTConfig& sft_config() const;
  const BpeTokenizer& tokenizer() const;
  // The evaluation prompts evaluated (the first max_prompts of the "eval" set), in prompt order.
  const std::vector<std::string>& prompts() const;
  // Evaluator::evaluate of the policy (on device(), with sft_config()'s architecture).
  EvalResult evaluate(GPT& policy, const ProgressFn& progress = {}, const EstimateFn& estimate = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `warp eval`: evaluates a policy checkpoint of the experiment under its evaluation protocol
// (config: eval_config_for(exp) with the caller's overrides), cached in the DB (see above).
// Needs data/prompts.json, the tokenizer and checkpoints/sft.h5. A relative checkpoint path is
// resolved against the current folder first, then the experiment folder.
EvalResult evaluate_checkpoint(const Experiment& exp, const std::string& checkpoint, const EvalConfig& config,
                               const ProgressFn& progress = {});

// The protocol JSON and its SHA-256 for a config (reward spec resolved) in an experiment.
// Hashes the prompt file, the SFT checkpoint, the tokenizer files and, for rm rewards, the reward
// checkpoint. BadInput when one of them is missing.
std::pair<nlohmann::json, std::string> eval_protocol(const Experiment& exp, const EvalConfig& config);

}  // namespace warp
